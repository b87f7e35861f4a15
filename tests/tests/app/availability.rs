//! Why a BL cannot be returned, as the façade decides it for every front end (issue 12): past
//! its window since which Paris day, every piece already returned, or not on this account (a
//! BL of another customer answers exactly like a missing one), with the number in the French
//! message and the stable code `not_found`.

use anyhow::{anyhow, Result};
use retour_app::{Availability, ErrorCode};
use retour_server::demo::{CUSTOMER_B, PAST_WINDOW_BL, RETURNED_BL};
use retour_tests::{Device, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bl_says_why_nothing_can_be_returned() -> Result<()> {
    let server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    device.login().await?;

    let past = device
        .app
        .delivery_note(PAST_WINDOW_BL)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let since = retour_server::paris_today_now() - chrono::Days::new(14);
    assert_eq!(past.availability, Availability::WindowPassed { since });
    assert_eq!(past.line_availability.len(), past.note.lines.len());
    assert!(past
        .line_availability
        .iter()
        .all(|l| l.availability == Availability::WindowPassed { since }));
    let json = serde_json::to_value(&past)?;
    assert_eq!(json["availability"]["state"], "window_passed");
    assert_eq!(json["availability"]["since"], since.to_string());
    assert_eq!(json["line_availability"][0]["state"], "window_passed");

    let returned = device
        .app
        .delivery_note(RETURNED_BL)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    assert_eq!(returned.availability, Availability::AllReturned);

    let recent = device
        .app
        .delivery_notes(7)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let open = &recent.items[0].number;
    let open = device
        .app
        .delivery_note(open)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    assert_eq!(open.availability, Availability::Returnable);

    let missing = device.app.delivery_note("123456789").await.unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
    assert_eq!(
        missing.message,
        "Le BL n° 123456789 est introuvable sur votre compte : vérifiez le numéro."
    );
    let other = Device::new(&server.url)?;
    other
        .app
        .login(&retour_app::LoginArgs {
            email: CUSTOMER_B.into(),
            password: retour_tests::PASSWORD.into(),
            remember: false,
        })
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let foreign = other
        .app
        .delivery_notes(7)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let foreign = &foreign.items[0].number;
    let refused = device.app.delivery_note(foreign).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::NotFound);
    assert_eq!(
        refused.message,
        format!("Le BL n° {foreign} est introuvable sur votre compte : vérifiez le numéro.")
    );
    Ok(())
}
