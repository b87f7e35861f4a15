//! The server's configuration: defaults, then an optional TOML file, then `RETOUR_*` variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use retour_domain::eligibility::{DEFAULT_DEPOSIT_DAYS, DEFAULT_RETURN_WINDOW_DAYS};
use retour_domain::hours::Schedule;
use serde::Deserialize;

/// A configuration mistake, reported at start-up.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("bad configuration file {path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A setting has a value that does not parse.
    #[error("bad value for {name}: {message}")]
    Value {
        /// The variable or key.
        name: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// Everything the server needs to know to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// `RETOUR_LISTEN`: where to listen (default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// `RETOUR_DB`: the SQLite file (default `retour.db`), or a PostgreSQL database
    /// (`postgres://user:password@host/database`, several instances may share it).
    pub db: PathBuf,
    /// `RETOUR_MAIL_SPOOL`: where `.eml` files go when no SMTP server is set (default `mail-spool`).
    pub mail_spool: PathBuf,
    /// `RETOUR_SMTP_URL`: send e-mail through this SMTP server instead of the spool.
    pub smtp_url: Option<String>,
    /// `RETOUR_SSO_SECRET`: the HS256 key of the portal's SSO tokens; SSO is off without it.
    pub sso_secret: Option<String>,
    /// `RETOUR_SCHEDULE`: when declaring is open (default Monday–Saturday 05:00–22:00 Paris).
    pub schedule: Schedule,
    /// `RETOUR_RETURN_WINDOW_DAYS`: how many days after delivery a BL can be returned (default 30).
    pub return_window_days: u32,
    /// `RETOUR_DEPOSIT_DAYS`: how many days after delivery an exchange part's old part can come
    /// back for its deposit (default 90; v1.1).
    pub deposit_days: u32,
    /// `RETOUR_WARRANTY_MONTHS`: how many months after delivery a part is under warranty
    /// (default 24).
    pub warranty_months: u32,
    /// `RETOUR_PICKUP_SECRET`: the HMAC-SHA256 key of the driver's pickup tokens (≥ 32 bytes).
    /// Unset: a random key is made at the first start and kept in the database
    /// (`server_secrets`), so that tokens stay valid across restarts.
    pub pickup_secret: Option<String>,
    /// `RETOUR_LINK_BASE`: the start of the links e-mailed for password reset and unlock.
    pub link_base: String,
    /// `RETOUR_MAIL_FROM`: the sender of e-mails.
    pub mail_from: String,
    /// `RETOUR_REQUEST_TIMEOUT_SECS`: requests taking longer answer `408` (default 30).
    pub request_timeout: Duration,
    /// `RETOUR_HEADER_TIMEOUT_SECS`: a connection that has not sent a whole request head (request
    /// line and headers) within this time is closed, and so is a kept-alive connection idle for
    /// that long (default 10).
    pub header_timeout: Duration,
    /// `RETOUR_MAX_CONNECTIONS`: connections served at a time (default 1024); further ones wait
    /// in the listen queue until one closes.
    pub max_connections: usize,
    /// `RETOUR_LOGIN_PER_IP_PER_MINUTE`: login attempts allowed per client address (default 60).
    pub login_per_ip_per_minute: u32,
    /// `RETOUR_LOGIN_PER_ACCOUNT_PER_MINUTE`: login attempts allowed per e-mail from devices not
    /// known to the account (default 20).
    pub login_per_account_per_minute: u32,
    /// `RETOUR_LINKS_PER_IP_PER_MINUTE`: reset and unlock link requests allowed per client address
    /// (default 10).
    pub links_per_ip_per_minute: u32,
    /// `RETOUR_LINKS_PER_ACCOUNT_PER_MINUTE`: reset and unlock link requests allowed per e-mail
    /// (default 3).
    pub links_per_account_per_minute: u32,
    /// `RETOUR_PHOTOS_REQUIRED`: the reasons (codes, comma-separated) whose lines must carry at
    /// least one photo (default none; `defective` asks for one without requiring it).
    pub photos_required: Vec<String>,
}

/// The shortest SSO secret accepted: 32 bytes, the size of the HS256 output.
pub const MIN_SSO_SECRET_BYTES: usize = 32;

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: PathBuf::from("retour.db"),
            mail_spool: PathBuf::from("mail-spool"),
            smtp_url: None,
            sso_secret: None,
            schedule: Schedule::default(),
            return_window_days: DEFAULT_RETURN_WINDOW_DAYS,
            deposit_days: DEFAULT_DEPOSIT_DAYS,
            warranty_months: retour_domain::warranty::DEFAULT_WARRANTY_MONTHS,
            pickup_secret: None,
            link_base: retour_mail::DEFAULT_LINK_BASE.to_owned(),
            mail_from: retour_mail::DEFAULT_FROM.to_owned(),
            request_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            max_connections: 1024,
            login_per_ip_per_minute: 60,
            login_per_account_per_minute: 20,
            links_per_ip_per_minute: 10,
            links_per_account_per_minute: 3,
            photos_required: Vec::new(),
        }
    }
}

/// The TOML file's form: the same settings, lower-case, without the `RETOUR_` prefix.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    db: Option<PathBuf>,
    mail_spool: Option<PathBuf>,
    smtp_url: Option<String>,
    sso_secret: Option<String>,
    schedule: Option<String>,
    return_window_days: Option<u32>,
    deposit_days: Option<u32>,
    warranty_months: Option<u32>,
    pickup_secret: Option<String>,
    link_base: Option<String>,
    mail_from: Option<String>,
    request_timeout_secs: Option<u64>,
    header_timeout_secs: Option<u64>,
    max_connections: Option<u32>,
    login_per_ip_per_minute: Option<u32>,
    login_per_account_per_minute: Option<u32>,
    links_per_ip_per_minute: Option<u32>,
    links_per_account_per_minute: Option<u32>,
    photos_required: Option<String>,
}

impl Config {
    /// Reads the defaults, then `file` if given, then the process's `RETOUR_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Config::load_from(file, |name| std::env::var(name).ok())
    }

    /// Like [`Config::load`], with the variables taken from `env`.
    pub fn load_from(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            let parsed: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::File {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
            config.apply(parsed)?;
        }
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let parse_u32 = |name: &'static str| -> Result<Option<u32>, ConfigError> {
            get(name)
                .map(|v| {
                    v.trim()
                        .parse()
                        .map_err(|e: std::num::ParseIntError| ConfigError::Value {
                            name,
                            message: e.to_string(),
                        })
                })
                .transpose()
        };
        let from_env = FileConfig {
            listen: get("RETOUR_LISTEN"),
            db: get("RETOUR_DB").map(PathBuf::from),
            mail_spool: get("RETOUR_MAIL_SPOOL").map(PathBuf::from),
            smtp_url: get("RETOUR_SMTP_URL"),
            sso_secret: get("RETOUR_SSO_SECRET"),
            schedule: get("RETOUR_SCHEDULE"),
            return_window_days: parse_u32("RETOUR_RETURN_WINDOW_DAYS")?,
            deposit_days: parse_u32("RETOUR_DEPOSIT_DAYS")?,
            warranty_months: parse_u32("RETOUR_WARRANTY_MONTHS")?,
            pickup_secret: get("RETOUR_PICKUP_SECRET"),
            link_base: get("RETOUR_LINK_BASE"),
            mail_from: get("RETOUR_MAIL_FROM"),
            request_timeout_secs: parse_u32("RETOUR_REQUEST_TIMEOUT_SECS")?.map(u64::from),
            header_timeout_secs: parse_u32("RETOUR_HEADER_TIMEOUT_SECS")?.map(u64::from),
            max_connections: parse_u32("RETOUR_MAX_CONNECTIONS")?,
            login_per_ip_per_minute: parse_u32("RETOUR_LOGIN_PER_IP_PER_MINUTE")?,
            login_per_account_per_minute: parse_u32("RETOUR_LOGIN_PER_ACCOUNT_PER_MINUTE")?,
            links_per_ip_per_minute: parse_u32("RETOUR_LINKS_PER_IP_PER_MINUTE")?,
            links_per_account_per_minute: parse_u32("RETOUR_LINKS_PER_ACCOUNT_PER_MINUTE")?,
            photos_required: get("RETOUR_PHOTOS_REQUIRED"),
        };
        config.apply(from_env)?;
        if config.header_timeout.is_zero() {
            return Err(ConfigError::Value {
                name: "RETOUR_HEADER_TIMEOUT_SECS",
                message: "must be at least 1 second".to_owned(),
            });
        }
        if config.max_connections == 0 {
            return Err(ConfigError::Value {
                name: "RETOUR_MAX_CONNECTIONS",
                message: "must be at least 1".to_owned(),
            });
        }
        if config
            .sso_secret
            .as_ref()
            .is_some_and(|secret| secret.len() < MIN_SSO_SECRET_BYTES)
        {
            return Err(ConfigError::Value {
                name: "RETOUR_SSO_SECRET",
                message: format!(
                    "the SSO secret must be at least {MIN_SSO_SECRET_BYTES} bytes long (a shorter HS256 key can be guessed offline from one token); leave it unset to turn SSO off"
                ),
            });
        }
        if config
            .pickup_secret
            .as_ref()
            .is_some_and(|secret| secret.len() < MIN_SSO_SECRET_BYTES)
        {
            return Err(ConfigError::Value {
                name: "RETOUR_PICKUP_SECRET",
                message: format!(
                    "the pickup secret must be at least {MIN_SSO_SECRET_BYTES} bytes long; leave it unset to have the server make one and keep it in its database"
                ),
            });
        }
        if config.warranty_months == 0 || config.warranty_months > 240 {
            return Err(ConfigError::Value {
                name: "RETOUR_WARRANTY_MONTHS",
                message: "must be between 1 and 240".to_owned(),
            });
        }
        Ok(config)
    }

    fn apply(&mut self, file: FileConfig) -> Result<(), ConfigError> {
        if let Some(listen) = file.listen {
            self.listen = listen
                .trim()
                .parse()
                .map_err(|e: std::net::AddrParseError| ConfigError::Value {
                    name: "RETOUR_LISTEN",
                    message: e.to_string(),
                })?;
        }
        if let Some(schedule) = file.schedule {
            self.schedule = schedule
                .parse()
                .map_err(|e: retour_domain::hours::HoursError| ConfigError::Value {
                    name: "RETOUR_SCHEDULE",
                    message: e.to_string(),
                })?;
        }
        set(&mut self.db, file.db);
        set(&mut self.mail_spool, file.mail_spool);
        if file.smtp_url.is_some() {
            self.smtp_url = file.smtp_url;
        }
        if file.sso_secret.is_some() {
            self.sso_secret = file.sso_secret;
        }
        set(&mut self.return_window_days, file.return_window_days);
        set(&mut self.deposit_days, file.deposit_days);
        set(&mut self.warranty_months, file.warranty_months);
        if file.pickup_secret.is_some() {
            self.pickup_secret = file.pickup_secret;
        }
        set(&mut self.link_base, file.link_base);
        set(&mut self.mail_from, file.mail_from);
        set(
            &mut self.request_timeout,
            file.request_timeout_secs.map(Duration::from_secs),
        );
        set(
            &mut self.header_timeout,
            file.header_timeout_secs.map(Duration::from_secs),
        );
        set(
            &mut self.max_connections,
            file.max_connections
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        );
        set(
            &mut self.login_per_ip_per_minute,
            file.login_per_ip_per_minute,
        );
        set(
            &mut self.login_per_account_per_minute,
            file.login_per_account_per_minute,
        );
        set(
            &mut self.links_per_ip_per_minute,
            file.links_per_ip_per_minute,
        );
        set(
            &mut self.links_per_account_per_minute,
            file.links_per_account_per_minute,
        );
        if let Some(codes) = file.photos_required {
            self.photos_required = codes
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect();
        }
        Ok(())
    }

    /// A configuration for tests and the app's embedded backend: everything under `dir`, always
    /// open, SSO secret [`TEST_SSO_SECRET`], the default throttles.
    pub fn for_dir(dir: &Path) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: dir.join("retour.db"),
            mail_spool: dir.join("mail"),
            sso_secret: Some(TEST_SSO_SECRET.to_owned()),
            schedule: Schedule::always(),
            ..Config::default()
        }
    }
}

/// The SSO secret of [`Config::for_dir`] (tests and the app's demo backend).
pub const TEST_SSO_SECRET: &str = "test-sso-secret-of-the-demo-backend-0123456789";

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_defaults() {
        let env = |name: &str| match name {
            "RETOUR_LISTEN" => Some("0.0.0.0:9000".to_owned()),
            "RETOUR_SCHEDULE" => Some("always".to_owned()),
            "RETOUR_RETURN_WINDOW_DAYS" => Some("15".to_owned()),
            "RETOUR_HEADER_TIMEOUT_SECS" => Some("5".to_owned()),
            "RETOUR_MAX_CONNECTIONS" => Some("64".to_owned()),
            _ => None,
        };
        let config = Config::load_from(None, env).unwrap();
        assert_eq!(config.header_timeout, Duration::from_secs(5));
        assert_eq!(config.max_connections, 64);
        let defaults = Config::load_from(None, |_| None).unwrap();
        assert_eq!(defaults.header_timeout, Duration::from_secs(10));
        assert_eq!(defaults.max_connections, 1024);
        for name in ["RETOUR_HEADER_TIMEOUT_SECS", "RETOUR_MAX_CONNECTIONS"] {
            let zero = Config::load_from(None, |n| (n == name).then(|| "0".to_owned()));
            assert!(zero.is_err(), "{name}=0");
        }
        assert_eq!(config.listen.port(), 9000);
        assert!(config.schedule.is_always_open());
        assert_eq!(config.return_window_days, 15);
        assert_eq!(config.db, PathBuf::from("retour.db"));
        let bad = Config::load_from(None, |n| {
            (n == "RETOUR_SCHEDULE").then(|| "sometimes".to_owned())
        });
        assert!(bad.is_err());
    }

    #[test]
    fn a_short_sso_secret_refuses_to_start() {
        let short = Config::load_from(None, |n| {
            (n == "RETOUR_SSO_SECRET").then(|| "secret".to_owned())
        })
        .unwrap_err();
        assert!(short.to_string().contains("at least 32 bytes"), "{short}");
        let long = Config::load_from(None, |n| {
            (n == "RETOUR_SSO_SECRET").then(|| TEST_SSO_SECRET.to_owned())
        });
        assert!(long.is_ok());
    }
}
