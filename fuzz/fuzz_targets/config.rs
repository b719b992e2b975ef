//! Policy files: `toml::from_str::<RawConfig>`, then `config::load::load_layers` and `resolve` on a
//! temporary `bylaw.toml` holding the input.
#![no_main]

use std::sync::OnceLock;

use bylaw::config::load;
use bylaw::config::raw::RawConfig;
use bylaw::rule::registry::Registry;
use libfuzzer_sys::fuzz_target;

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| Registry::load(&[]).unwrap_or_else(|_| Registry::from_rules(Vec::new())))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if toml::from_str::<RawConfig>(text).is_err() {
        return;
    }
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("bylaw.toml");
    if std::fs::write(&path, text).is_err() {
        return;
    }
    if let Ok(layers) = load::load_layers(&path) {
        let _ = load::packs(&layers);
        let _ = load::resolve(&layers, registry(), dir.path());
    }
});
