//! Runs scripts/term-e2e.sh: the real terminal in tmux against a real node, driven by
//! keys and checked on screen. Skipped (with a note) where tmux is not installed.

use std::path::Path;
use std::process::Command;

#[test]
fn the_terminal_works_end_to_end_in_tmux() {
    let has_tmux = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_tmux {
        eprintln!("skipped: tmux is not on PATH (install it to run scripts/term-e2e.sh)");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("bash")
        .arg(root.join("scripts/term-e2e.sh"))
        .env("HERALD", env!("CARGO_BIN_EXE_herald"))
        .env_remove("E2E_CAPTURE")
        .output()
        .expect("bash runs the script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "term-e2e failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("term-e2e: ok"), "{stdout}");
}
