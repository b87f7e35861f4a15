//! The rendered pré-accord read back as a person and a scanner would: poppler rasterises and
//! extracts the text, rxing decodes the barcodes.
//!
//! Needs Debian's poppler-utils (`pdftoppm`, `pdftotext`, `pdfinfo`).

mod support;

use anyhow::Result;
use retour_preaccord::{render, Preaccord, PreaccordError};
use support::*;

#[test]
fn the_barcodes_decode_back_to_the_tracking_numbers() -> Result<()> {
    let doc = two_files();
    let (_dir, path) = write_pdf(&render(&doc)?)?;
    assert_eq!(page_count(&path)?, 1);
    let page = rasterise(&path, 1, 150)?;
    assert_eq!(decode_code128(&page)?, ["10000001", "10000002"]);
    Ok(())
}

#[test]
fn the_text_is_french_with_its_accents() -> Result<()> {
    let (_dir, path) = write_pdf(&render(&two_files())?)?;
    let text = pdftotext(&path)?;
    // pdftotext gives the non-breaking spaces of amounts as U+00A0; compare with plain spaces.
    let text = text.replace('\u{A0}', " ");
    for expected in [
        "Pré-accord de retour",
        "Garage Élégance & Fils",
        "Code client : C00042",
        "Demande de retour n° R-2026-000123 du 28/11/2026 à 14:05",
        "2 dossiers de retour, 4 pièces",
        "Dossier de retour n° 10000001",
        "BL n° 250001106 du 20/11/2026",
        "Numéro de suivi : 10000002",
        "Date de vente : 24/11/2026",
        "PLAQ FREIN BP420",
        "ÉTRIER DE FREIN AVANT GAUCHE",
        "FILTRE À AIR MANN-FILTER",
        "Pièce défectueuse",
        "Annulation client",
        "Erreur commande",
        "17,27 €",
        "1 234,50 €",
        "Avoir estimé HT",
        "1 251,77 €",
        "sous réserve de la validation de notre contrôle qualité",
        "Préparation de votre retour",
        "Remettez les pièces dans leur emballage d’origine.",
        "liste d’enlèvement",
        "Remettez-les à notre chauffeur",
        "- : avoir déterminé après notre contrôle qualité",
        "Page 1 / 1",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    Ok(())
}

#[test]
fn many_files_flow_over_pages_and_every_barcode_still_reads() -> Result<()> {
    let mut doc: Preaccord = two_files();
    let template = doc.files[0].clone();
    doc.files = (0..9)
        .map(|i| {
            let mut file = template.clone();
            file.tracking_number = format!("{}", 20_000_000 + i * 1_111);
            file.lines = (0..(3 + i * 3))
                .map(|l| {
                    line(
                        &format!("REF-{i}-{l}"),
                        "AMORTISSEUR AVANT GAUCHE ET DROIT AVEC KIT DE MONTAGE COMPLET",
                        l + 1,
                        "Retard de livraison",
                        Some("42.10"),
                    )
                })
                .collect();
            file
        })
        .collect();
    let (_dir, path) = write_pdf(&render(&doc)?)?;
    let pages = page_count(&path)?;
    assert!(pages >= 4, "{pages} pages");

    let text = pdftotext(&path)?;
    for i in 0..9 {
        for l in 0..(3 + i * 3) {
            assert!(text.contains(&format!("REF-{i}-{l}")), "REF-{i}-{l} lost");
        }
    }
    assert!(text.contains(&format!("Page {pages} / {pages}")));
    assert!(text.contains("(suite)"));

    let mut decoded = Vec::new();
    for page in 1..=pages {
        decoded.extend(decode_code128(&rasterise(&path, page, 150)?).unwrap_or_default());
    }
    decoded.sort();
    let mut expected: Vec<String> = doc
        .files
        .iter()
        .map(|f| f.tracking_number.clone())
        .collect();
    expected.sort();
    assert_eq!(decoded, expected);
    Ok(())
}

#[test]
fn the_same_input_gives_the_same_bytes() -> Result<()> {
    assert_eq!(render(&two_files())?, render(&two_files())?);
    Ok(())
}

#[test]
fn a_tracking_number_code_128_cannot_carry_is_an_error() {
    let mut doc = two_files();
    doc.files[1].tracking_number = "N°1".into();
    assert!(matches!(render(&doc), Err(PreaccordError::Barcode { .. })));
}

#[test]
fn an_empty_request_still_renders_one_page() -> Result<()> {
    let mut doc = two_files();
    doc.files.clear();
    doc.estimated_total_ht = money("0");
    let (_dir, path) = write_pdf(&render(&doc)?)?;
    assert_eq!(page_count(&path)?, 1);
    assert!(pdftotext(&path)?.contains("0 dossier de retour, 0 pièce"));
    Ok(())
}
