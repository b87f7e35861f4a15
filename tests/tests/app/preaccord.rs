//! A sent request as the app shows it later: its number, the file that names it with the address
//! its pré-accord went to, and the pré-accord reopened from the file without network; the
//! pré-accord only ever a file of the account's own folder.

use anyhow::{anyhow, ensure, Result};
use retour_domain::api::RequestRef;
use retour_tests::{eligible_lines, Device, TestServer, EMAIL};

fn app_err(e: retour_app::AppError) -> anyhow::Error {
    anyhow!("{}: {}", e.code, e.message)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_leads_back_to_its_request_and_its_preaccord_reopens_offline() -> Result<()> {
    let mut server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let app = &device.app;
    let lines = eligible_lines(app)?;
    device.add_one(&lines[0]).await?;
    let request = app.send().await.map_err(app_err)?;
    ensure!(
        request.number.starts_with("R-") && request.number.len() == "R-2026-000123".len(),
        "a number people can read: {}",
        request.number
    );
    ensure!(request.preaccord_email == EMAIL);

    // The file detail names the request and where its pré-accord went.
    let file = app
        .dossier(&request.dossiers[0].number)
        .await
        .map_err(app_err)?;
    let named = file
        .dossier
        .request
        .ok_or_else(|| anyhow!("the file names no request"))?;
    ensure!(
        named
            == RequestRef {
                id: request.id.clone(),
                number: request.number.clone(),
                preaccord_email: EMAIL.into(),
            }
    );

    // Without network, the file and its pré-accord (kept at send, never opened yet) still open.
    server.stop().await?;
    let offline = app
        .dossier(&request.dossiers[0].number)
        .await
        .map_err(app_err)?;
    ensure!(offline.from_cache, "offline, the kept file");
    let id = offline
        .dossier
        .request
        .map(|r| r.id)
        .ok_or_else(|| anyhow!("the kept file names no request"))?;
    let pdf = app.preaccord_pdf(&id).await.map_err(app_err)?;
    let bytes = std::fs::read(&pdf)?;
    ensure!(bytes.starts_with(b"%PDF-"), "a PDF at {}", pdf.display());
    Ok(())
}

/// The pré-accord is resolved by the core from a request id, inside the signed-in account's own
/// folder (the window never names a path, so its capability grants no opener): another garage's
/// request id, or an id made to climb out of the folder, answers exactly like a missing id, and
/// no file appears anywhere for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preaccord_is_only_ever_a_file_of_the_accounts_own_folder() -> Result<()> {
    let server = TestServer::start().await?;
    // Garage B sends a request of its own.
    let b = Device::new(&server.url)?;
    b.app
        .login(&retour_app::LoginArgs {
            email: retour_server::demo::CUSTOMER_B.into(),
            password: retour_tests::PASSWORD.into(),
            remember: false,
        })
        .await
        .map_err(app_err)?;
    b.add_one(&eligible_lines(&b.app)?[0]).await?;
    let b_request = b.app.send().await.map_err(app_err)?;

    let device = Device::new(&server.url)?;
    device.login().await?;
    let app = &device.app;
    device.add_one(&eligible_lines(app)?[0]).await?;
    let request = app.send().await.map_err(app_err)?;
    let own_folder = app.store_path(EMAIL).with_extension("files");
    let pdf = app.preaccord_pdf(&request.id).await.map_err(app_err)?;
    ensure!(
        pdf.parent() == Some(own_folder.as_path()),
        "the pré-accord is at {}, not in the account's folder {}",
        pdf.display(),
        own_folder.display()
    );
    ensure!(std::fs::read(&pdf)?.starts_with(b"%PDF-"));
    let files = || {
        let mut files = retour_tests::files_under(device.dir());
        files.sort();
        files
    };
    let files_before = files();

    let missing = app
        .preaccord_pdf(&uuid::Uuid::new_v4().to_string())
        .await
        .expect_err("a missing id");
    assert_eq!(missing.code, "not_found");
    for id in [
        b_request.id.as_str(),
        "../../../../../../etc/passwd",
        "..",
        "../preaccord",
        "%2e%2e%2f%2e%2e%2fretour.log",
        "/etc/passwd",
        "a/../../b",
    ] {
        let refused = app.preaccord_pdf(id).await.expect_err(id);
        assert_eq!(
            (refused.code.as_str(), refused.message.as_str()),
            (missing.code.as_str(), missing.message.as_str()),
            "{id:?} answers like a missing id"
        );
    }
    ensure!(files() == files_before, "a refused id left a file");
    // Garage B's own pré-accord opens on B's device only.
    let b_pdf = b.app.preaccord_pdf(&b_request.id).await.map_err(app_err)?;
    ensure!(b_pdf.starts_with(b.dir()));
    Ok(())
}
