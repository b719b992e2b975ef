// Rebuild when any rule pack file changes: `include_dir!` embeds `rules/` but cannot tell cargo
// about files added later, so without this a new rule would silently be missing from the binary.
fn main() {
    println!("cargo:rerun-if-changed=rules");
}
