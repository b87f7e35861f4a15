//! Shared harness for the end-to-end tests: starting the real server on loopback, temporary
//! data directories, and the like.
