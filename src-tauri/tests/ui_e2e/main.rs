//! The real-window tests, in one module so that their names say it (`real_window::…`):
//! `cargo xtask test` runs them beside the other test binaries rather than after them (the one
//! filter `real_window::` on one side, `--skip real_window::` on the other).

mod real_window;
