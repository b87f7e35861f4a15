//! Prints the reads of image files, one line per code (a development aid; the product's command
//! is `retour scan`).

fn main() {
    for path in std::env::args().skip(1) {
        match retour_scan::decode_image_file(&path) {
            Ok(reads) if reads.is_empty() => println!("{path}: aucun code"),
            Ok(reads) => {
                for read in reads {
                    println!("{path}: {}", read.describe());
                }
            }
            Err(error) => println!("{path}: {error}"),
        }
    }
}
