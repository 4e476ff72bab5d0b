//! Fuzzes the whole loader: any text given as `-f -` must load or fail with an error, never panic,
//! hang or blow up (alias bombs, deep nesting, odd interpolation, merge tags, short syntaxes).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let dir = std::env::temp_dir().join("rcompose-fuzz-empty");
    let _ = std::fs::create_dir_all(&dir);
    let mut opts = rcompose::load::Options::new(&dir);
    opts.files = vec!["-".into()];
    opts.stdin = Some(text.to_string());
    opts.project_name = Some("fuzz".into());
    opts.os_env.insert("SET".into(), "value".into());
    if let Ok(loaded) = rcompose::load(&opts) {
        // rendering must not panic either
        let _ = rcompose::render::project_json(&loaded.project);
        let _ = rcompose::render::project_yaml(&loaded.project);
        let _ = rcompose::graph::Graph::new(&loaded.project);
    }
});
