// Rebuild when any rule pack file changes: `include_dir!` embeds `rules/` but cannot tell cargo
// about files added later, so without this a new rule would silently be missing from the binary.
fn main() {
    println!("cargo:rerun-if-changed=rules");
    // The built-in rules' documentation link (`rule::BUILTIN_DOCS_URL`) is read at build time.
    println!("cargo:rerun-if-env-changed=BYLAW_DOCS_URL");
}
