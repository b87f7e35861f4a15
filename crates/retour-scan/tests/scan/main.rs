//! retour-scan's integration tests in one binary: image files, the fixture photos and their
//! floors, generated codes, the decoder's isolation, the live scanner and USB-scanner bursts.

mod files;
mod fixtures;
mod generated;
mod isolation;
mod live;
mod support;
mod wedge;
