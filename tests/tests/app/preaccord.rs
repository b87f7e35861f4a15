//! A sent request as the app shows it later: its number, the file that names it with the address
//! its pré-accord went to, and the pré-accord reopened from the file without network.

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
    let id = offline
        .request
        .map(|r| r.id)
        .ok_or_else(|| anyhow!("the kept file names no request"))?;
    let pdf = app.preaccord_pdf(&id).await.map_err(app_err)?;
    let bytes = std::fs::read(&pdf)?;
    ensure!(bytes.starts_with(b"%PDF-"), "a PDF at {}", pdf.display());
    Ok(())
}
