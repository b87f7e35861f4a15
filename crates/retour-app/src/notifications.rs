//! Notifications and e-mail preferences (v1.1): the notifications the sync pulled, kept on the
//! device (offline first) with the unread count; marking them read here at once and on the
//! server at the next sync (inclusive, like the API); the account's preferences (the e-mails of
//! each kind, the pré-accord address), read and saved on the server; and the channel on which
//! the sync announces each notification newly pulled and unread (the shell raises one OS
//! notification per announcement while the app runs). Titles are the server's French ones, or in
//! English our own, from the kind and the file (`set_language`: the window says which); the body,
//! the server's words, stays French.

use std::sync::{Arc, Mutex};

use retour_domain::api::{EmailPreferences, Notification, NotificationKind, Preferences};
use retour_domain::notification::email_address;
use retour_sync::engine::lock;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::online::online_else_kept;
use crate::{App, AppError, AppResult};

/// The window's language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// French, the reference: the server's words as they are.
    #[default]
    Fr,
    /// English.
    En,
}

impl Language {
    /// A notification with its title in this language.
    fn titled(self, mut n: Notification) -> Notification {
        if self == Language::En {
            n.title = english_title(n.kind, n.dossier.as_deref());
        }
        n
    }
}

/// A notification's English title, from its kind and its file.
fn english_title(kind: NotificationKind, dossier: Option<&str>) -> String {
    let file = |what: &str| match dossier {
        Some(number) => format!("File {number}: {what}"),
        None => what.to_owned(),
    };
    match kind {
        NotificationKind::Status => file("progress"),
        NotificationKind::Decision => file("decision"),
        NotificationKind::Message => file("reply from the returns department"),
        NotificationKind::CreditNote => file("credit note issued"),
        NotificationKind::DepositDue => "Deposit due soon".to_owned(),
        NotificationKind::Pickup => "Parts picked up by the driver".to_owned(),
    }
}

fn current(language: &Mutex<Language>) -> Language {
    *language
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Most notifications the screen lists.
pub const NOTIFICATIONS_SHOWN: usize = 200;
/// Cache key of the account's preferences.
const CACHE_PREFERENCES: &str = "preferences";

/// The "Notifications" screen: newest first, and how many are unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationsView {
    /// Newest first.
    pub items: Vec<Notification>,
    /// How many are unread (the badge).
    pub unread: u64,
}

/// What the settings save: a switch per kind of e-mail and the pré-accord address (empty or
/// absent: the login e-mail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreferencesArgs {
    /// One switch per kind of e-mail.
    pub emails: EmailPreferences,
    /// "Adresse d'envoi des pré-accords".
    #[serde(default)]
    pub preaccord_email: Option<String>,
}

impl App {
    /// The notifications kept on the device, newest first, with the unread count (no network:
    /// the sync pulls them).
    pub fn notifications(&self) -> AppResult<NotificationsView> {
        let account = self.account()?;
        let store = lock(&account.store);
        let language = current(&self.inner.language);
        Ok(NotificationsView {
            items: store
                .notifications(NOTIFICATIONS_SHOWN)?
                .into_iter()
                .map(|n| language.titled(n))
                .collect(),
            unread: store.unread_notification_count()?,
        })
    }

    /// Marks the notifications up to `up_to` read (inclusive), on the device at once and on the
    /// server at the next sync, which it asks for; answers the screen.
    pub fn mark_notifications_read(&self, up_to: u64) -> AppResult<NotificationsView> {
        let account = self.account()?;
        lock(&account.store).mark_notifications_read(up_to)?;
        account.engine.refresh_counts();
        self.inner.edited.notify_one();
        self.notifications()
    }

    /// The account's preferences: the server's, else the last ones read when it is out of reach.
    pub async fn preferences(&self) -> AppResult<Preferences> {
        let account = self.account()?;
        let fetched = account
            .engine
            .call(|client, token| async move { client.preferences(&token).await })
            .await;
        Ok(online_else_kept(&account.store, CACHE_PREFERENCES, fetched)?.value)
    }

    /// Saves the preferences on the server (the address checked here first, in French; blank:
    /// back to the login e-mail). Needs the server.
    pub async fn save_preferences(&self, args: &PreferencesArgs) -> AppResult<Preferences> {
        let preaccord_email = match args.preaccord_email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(address) => {
                Some(email_address(address).map_err(|e| AppError::new(e.code(), e.to_string()))?)
            }
        };
        let wanted = Preferences {
            emails: args.emails,
            preaccord_email,
        };
        let account = self.account()?;
        let saved = account
            .engine
            .call(|client, token| {
                let wanted = wanted.clone();
                async move { client.save_preferences(&token, &wanted).await }
            })
            .await?;
        lock(&account.store).cache_put(CACHE_PREFERENCES, &saved, chrono::Utc::now())?;
        Ok(saved)
    }

    /// Each notification a sync pulls new and unread from now on, whatever the account (for
    /// the shell's OS notifications). At most a few per sync are announced (the newest).
    pub fn subscribe_notifications(&self) -> NotificationFeed {
        NotificationFeed {
            announced: self.inner.announce.subscribe(),
            language: self.inner.language.clone(),
        }
    }

    /// The window's language, which the notifications' titles follow from now on.
    pub fn set_language(&self, language: Language) {
        *self
            .inner
            .language
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = language;
    }
}

/// The notifications a sync announces, one at a time ([`App::subscribe_notifications`]), titled
/// in the window's language.
#[derive(Debug)]
pub struct NotificationFeed {
    announced: broadcast::Receiver<Notification>,
    language: Arc<Mutex<Language>>,
}

impl NotificationFeed {
    /// The next one announced; `None` once the app is gone. A reader too slow to keep up
    /// skips the oldest it missed.
    pub async fn next(&mut self) -> Option<Notification> {
        loop {
            match self.announced.recv().await {
                Ok(n) => return Some(current(&self.language).titled(n)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The next one already announced, without waiting.
    pub fn try_next(&mut self) -> Option<Notification> {
        loop {
            match self.announced.try_recv() {
                Ok(n) => return Some(current(&self.language).titled(n)),
                Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                Err(_) => return None,
            }
        }
    }
}
