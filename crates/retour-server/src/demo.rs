//! Demo data: a French catalogue that looks real, two garages with BLs over the last 30 days,
//! a returns-staff account, and return files in every status, the closed ones decided line by
//! line (one refused for fitting marks, with a thread between the garage and the returns
//! service), the garages' notifications of all that (the newest three unread, none
//! e-mailed), and the money of v1.1 (credit notes credited, short and awaiting; deposits due soon,
//! expired, in return, refunded; a busy month and a quiet one). Deterministic for a given day.
//!
//! [`seed`] is what `retour-server seed-demo` and the app's demo mode run; [`seed_bulk`] adds the
//! volume the benchmark needs.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use retour_domain::api::{DossierStatus, Outcome, RequestRef, Role};
use retour_domain::code::normalize_reference;
use retour_domain::decision::{Disposition, LineDecision, RefusalReason};
use retour_domain::hours::{paris_instant, TimeOfDay};
use retour_domain::notification::{self, NotificationKind, NotificationText};
use retour_domain::reason::{LinePrices, ReasonTable};
use retour_domain::status::Closure;
use retour_domain::timeline::{self, Actor, Author, EventKind};
use retour_domain::{Gtin, Money};

use crate::auth::hash_password;
use crate::db::{
    Conn, Db, DbError, NewLine, NewMessage, StoredCreditNote, StoredCreditNoteLine, StoredDossier,
    StoredDossierLine,
};
use crate::demo_photo::{demo_photo, DemoPhoto};

/// A demo account's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoAccount {
    /// The e-mail it signs in with.
    pub email: &'static str,
    /// Its password.
    pub password: &'static str,
}

/// Every demo account, the one place their credentials are written: garage A (the account the
/// app's login screen offers), garage B, then the returns staff.
/// Both garages share one password (the seed hashes it once).
pub const DEMO_ACCOUNTS: [DemoAccount; 3] = [
    DemoAccount {
        email: "atelier@garage-demo.fr",
        password: CUSTOMER_PASSWORD,
    },
    DemoAccount {
        email: "contact@autre-garage.fr",
        password: CUSTOMER_PASSWORD,
    },
    DemoAccount {
        email: "retours@distributeur.fr",
        password: "Retour-Staff-2026",
    },
];

/// Garage A, the customer tests, benches and the demo sign in as.
pub const GARAGE_A: DemoAccount = DEMO_ACCOUNTS[0];
/// Garage B, another customer.
pub const GARAGE_B: DemoAccount = DEMO_ACCOUNTS[1];
/// The returns staff.
pub const STAFF_ACCOUNT: DemoAccount = DEMO_ACCOUNTS[2];

/// Customer A's e-mail.
pub const CUSTOMER_A: &str = GARAGE_A.email;
/// Customer B's e-mail.
pub const CUSTOMER_B: &str = GARAGE_B.email;
/// Both customers' password.
pub const CUSTOMER_PASSWORD: &str = "Retour-Demo-2026";
/// The returns staff's e-mail.
pub const STAFF: &str = STAFF_ACCOUNT.email;
/// The staff's password.
pub const STAFF_PASSWORD: &str = STAFF_ACCOUNT.password;

/// Garage A's BL delivered 45 days ago: past its return window (the app says since when).
pub const PAST_WINDOW_BL: &str = "250000901";
/// Garage A's BL of 12 days ago whose every unit was already returned.
pub const RETURNED_BL: &str = "250000902";

/// What the seed made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seeded {
    /// BLs created.
    pub delivery_notes: usize,
    /// Return files created.
    pub dossiers: usize,
    /// `false` when the database already had accounts and nothing was done.
    pub created: bool,
}

/// A catalogue product: brand, reference, designation, GTIN prefix index, net price, deposit.
struct Product {
    brand: &'static str,
    reference: &'static str,
    designation: &'static str,
    gtin_body: Option<&'static str>,
    price: &'static str,
    deposit: Option<&'static str>,
}

const fn p(
    brand: &'static str,
    reference: &'static str,
    designation: &'static str,
    gtin_body: Option<&'static str>,
    price: &'static str,
    deposit: Option<&'static str>,
) -> Product {
    Product {
        brand,
        reference,
        designation,
        gtin_body,
        price,
        deposit,
    }
}

/// The catalogue; GTIN bodies are 12 digits, the check digit is computed.
const CATALOGUE: &[Product] = &[
    p(
        "Bosch",
        "0986424707",
        "PLAQ FREIN BP420",
        Some("404702455056"),
        "19.19",
        None,
    ),
    p(
        "Bosch",
        "0986494144",
        "PLAQ FREIN AV BP1001",
        Some("404702421379"),
        "32.40",
        None,
    ),
    p(
        "Bosch",
        "0242236565",
        "BOUGIE ALLUMAGE FR7DCX+",
        Some("404702424128"),
        "4.85",
        None,
    ),
    p(
        "Bosch",
        "0986041850",
        "ALTERNATEUR REMAN 90A",
        Some("404702430142"),
        "152.40",
        Some("45.00"),
    ),
    p(
        "Bosch",
        "0986018940",
        "DEMARREUR REMAN 1.4KW",
        Some("404702430398"),
        "128.90",
        Some("40.00"),
    ),
    p(
        "Bosch",
        "1457429192",
        "FILTRE A HUILE P9192",
        Some("404702411452"),
        "7.35",
        None,
    ),
    p(
        "Bosch",
        "3397007620",
        "BALAI ESSUIE-GLACE AEROTWIN A620S",
        Some("316516310226"),
        "24.90",
        None,
    ),
    p(
        "Bosch",
        "0280218116",
        "DEBITMETRE AIR HFM5",
        None,
        "142.00",
        None,
    ),
    p(
        "Valeo",
        "826704",
        "KIT EMBRAYAGE 3P",
        Some("327642826704"),
        "189.00",
        None,
    ),
    p(
        "Valeo",
        "437469",
        "ALTERNATEUR TG12C REMAN",
        Some("327642437469"),
        "210.50",
        Some("60.00"),
    ),
    p(
        "Valeo",
        "574613",
        "BALAI ESSUIE-GLACE SILENCIO VM",
        Some("327642574613"),
        "21.30",
        None,
    ),
    p(
        "Valeo",
        "715580",
        "FILTRE HABITACLE CLIMFILTER",
        Some("327642715580"),
        "12.90",
        None,
    ),
    p(
        "Valeo",
        "438171",
        "DEMARREUR D7E REMAN",
        Some("327642438171"),
        "175.00",
        Some("50.00"),
    ),
    p(
        "Philips",
        "12972PRC1",
        "AMPOULE H7 VISION +30%",
        Some("872790025987"),
        "6.40",
        None,
    ),
    p(
        "Philips",
        "12342PRC1",
        "AMPOULE H4 VISION",
        Some("872790025986"),
        "5.90",
        None,
    ),
    p(
        "Philips",
        "12961B2",
        "AMPOULE W5W X2",
        Some("872790082844"),
        "2.10",
        None,
    ),
    p(
        "Mann-Filter",
        "HU 7008 z",
        "FILTRE A HUILE HU7008Z",
        Some("401155872100"),
        "9.80",
        None,
    ),
    p(
        "Mann-Filter",
        "C 27 009",
        "FILTRE A AIR C27009",
        Some("401155873001"),
        "14.20",
        None,
    ),
    p(
        "Mann-Filter",
        "WK 842/2",
        "FILTRE CARBURANT WK842/2",
        Some("401155801900"),
        "16.75",
        None,
    ),
    p(
        "Mann-Filter",
        "CUK 2939",
        "FILTRE HABITACLE CHARBON CUK2939",
        Some("401155833062"),
        "18.60",
        None,
    ),
    p(
        "TRW",
        "GDB1330",
        "PLAQ FREIN GDB1330",
        Some("503687515207"),
        "27.50",
        None,
    ),
    p(
        "TRW",
        "DF4294",
        "DISQUE FREIN AV DF4294 X2",
        Some("503687536112"),
        "38.90",
        None,
    ),
    p(
        "TRW",
        "BHN1024E",
        "ETRIER FREIN AV REMAN",
        Some("503687577301"),
        "89.00",
        Some("30.00"),
    ),
    p(
        "TRW",
        "JTE1033",
        "ROTULE DIRECTION JTE1033",
        Some("503687548025"),
        "22.40",
        None,
    ),
    p(
        "NGK",
        "BKR6E",
        "BOUGIE BKR6E",
        Some("008729520305"),
        "3.90",
        None,
    ),
    p(
        "NGK",
        "ILZKR7B11",
        "BOUGIE IRIDIUM ILZKR7B11",
        Some("008729507350"),
        "15.60",
        None,
    ),
    p(
        "NGK",
        "U2028",
        "BOBINE ALLUMAGE U2028",
        Some("008729548206"),
        "46.00",
        None,
    ),
    p(
        "SKF",
        "VKBA 3525",
        "KIT ROULEMENT ROUE AR",
        Some("731612040183"),
        "48.70",
        None,
    ),
    p(
        "SKF",
        "VKMA 01250",
        "KIT DISTRIBUTION VKMA01250",
        Some("731612054104"),
        "112.30",
        None,
    ),
    p(
        "SKF",
        "VKPC 85310",
        "POMPE A EAU VKPC85310",
        None,
        "58.10",
        None,
    ),
];

/// A GTIN-13 with its check digit.
fn gtin13(body: &str) -> String {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// SplitMix64: a tiny deterministic generator, so the demo is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn range(&mut self, low: u32, high: u32) -> u32 {
        low + u32::try_from(self.below(u64::from(high - low + 1))).unwrap_or(0)
    }
}

fn money(text: &str) -> Money {
    Money::parse(text).expect("catalogue prices are valid")
}

fn product_line(line_no: u32, product: &Product, qty: u32, returned_qty: u32) -> NewLine {
    let gtin = product.gtin_body.map(gtin13);
    NewLine {
        line_no,
        reference: product.reference.to_owned(),
        reference_key: normalize_reference(product.reference),
        brand: product.brand.to_owned(),
        designation: product.designation.to_owned(),
        gtin_key: gtin.as_deref().and_then(Gtin::parse).map(|g| g.gtin14()),
        gtin,
        qty,
        returned_qty,
        unit_price: money(product.price),
        deposit: product.deposit.map(money),
    }
}

/// Writes a BL with its lines and total.
fn insert_note(
    c: &Conn<'_>,
    customer: i64,
    number: &str,
    day: NaiveDate,
    lines: &[NewLine],
) -> Result<(), DbError> {
    let total: Money = lines
        .iter()
        .map(|l| l.unit_price.times(l.qty, rust_decimal::Decimal::ONE))
        .sum();
    c.insert_delivery_note(customer, number, day, total)?;
    for line in lines {
        c.insert_delivery_line(number, line)?;
    }
    Ok(())
}

fn at_paris(day: NaiveDate, hour: u16, minute: u16) -> DateTime<Utc> {
    TimeOfDay::from_hm(hour, minute)
        .and_then(|t| paris_instant(day, t))
        .unwrap_or_else(|| {
            day.and_hms_opt(12, 0, 0)
                .map_or_else(Utc::now, |d| d.and_utc())
        })
}

/// Creates a customer's BLs over the 31 days up to `today` (none on Sundays); returns them as
/// `(number, day, lines)`.
fn seed_notes(
    c: &Conn<'_>,
    rng: &mut Rng,
    customer: i64,
    first_number: u32,
    today: NaiveDate,
) -> Result<Vec<(String, NaiveDate, Vec<NewLine>)>, DbError> {
    let mut notes = Vec::new();
    let mut number = first_number;
    for age in (0..=30u64).rev() {
        let Some(day) = today.checked_sub_days(Days::new(age)) else {
            continue;
        };
        if day.weekday() == Weekday::Sun {
            continue;
        }
        for _ in 0..rng.range(2, 4) {
            let count = rng.range(1, 12);
            let mut lines = Vec::new();
            for line_no in 1..=count {
                let product =
                    &CATALOGUE[usize::try_from(rng.below(CATALOGUE.len() as u64)).unwrap_or(0)];
                let qty = if product.deposit.is_some() {
                    rng.range(1, 2)
                } else {
                    rng.range(1, 6)
                };
                let returned = if qty >= 2 && rng.below(8) == 0 {
                    rng.range(1, qty - 1)
                } else {
                    0
                };
                lines.push(product_line(line_no, product, qty, returned));
            }
            let text = format!("{number}");
            insert_note(c, customer, &text, day, &lines)?;
            notes.push((text, day, lines));
            number += 1;
        }
    }
    Ok(notes)
}

/// The files of the demo: one per status and outcome, on older BLs.
/// A demo garage's customer and login account, which sends its requests.
#[derive(Clone, Copy)]
struct DemoSender<'a> {
    customer: i64,
    account: i64,
    email: &'a str,
}

fn seed_dossiers(
    c: &Conn<'_>,
    rng: &mut Rng,
    sender: &DemoSender<'_>,
    notes: &[(String, NaiveDate, Vec<NewLine>)],
    plan: &[(DossierStatus, Option<Outcome>, Option<&str>)],
    reasons: &ReasonTable,
    told: &mut Vec<DemoNotification>,
) -> Result<usize, DbError> {
    let DemoSender {
        customer,
        account,
        email,
    } = *sender;
    let mut made = 0;
    for (i, (status, outcome, credit_note)) in plan.iter().enumerate() {
        // Older BLs for further statuses; the notes are oldest first.
        let index = (i * 7 + 3) % notes.len().max(1);
        let Some((number, day, lines)) = notes.get(index) else {
            continue;
        };
        let Some(line) = lines.iter().find(|l| l.qty > l.returned_qty) else {
            continue;
        };
        let reason = if line.deposit.is_some() {
            "deposit"
        } else {
            [
                "new_part",
                "order_error",
                "customer_cancellation",
                "defective",
            ][i % 4]
        };
        let prices = LinePrices {
            unit_price: line.unit_price,
            deposit: line.deposit,
        };
        let estimate = reasons.estimate(reason, &prices, 1).ok().flatten();
        let created = at_paris(
            day.checked_add_days(Days::new(1)).unwrap_or(*day),
            9 + (i as u16 % 8),
            15,
        );
        let request = RequestRef {
            id: uuid::Uuid::from_u64_pair(rng.next(), rng.next()).to_string(),
            number: c.next_request_number(created)?,
            preaccord_email: email.to_owned(),
        };
        let accepted = match outcome {
            Some(Outcome::Accepted) | Some(Outcome::Partial) => Some(1),
            Some(Outcome::Refused) => Some(0),
            None => None,
        };
        let credited = match outcome {
            Some(Outcome::Refused) => Money::ZERO,
            Some(Outcome::Partial) => estimate.map_or(Money::ZERO, |e| {
                Money::round(e.amount() / rust_decimal::Decimal::TWO)
            }),
            _ => estimate.unwrap_or(money("10.00")),
        };
        // The refused file's line went with the garage's photo of the part.
        let line_photos = if *outcome == Some(Outcome::Refused) {
            let photo = demo_photo(DemoPhoto::WholeDisc);
            c.insert_photo(customer, &photo, created)?;
            vec![photo.id]
        } else {
            Vec::new()
        };
        let steps = DossierStatus::ALL.iter().filter(|s| **s <= *status);
        let last_step = created + chrono::Duration::days(i64::from(status.step()) - 1);
        let dossier = StoredDossier {
            kind: retour_domain::api::DossierKind::Return,
            number: c.next_dossier_number()?,
            customer_id: customer,
            request: Some(request.clone()),
            delivery_note: number.clone(),
            sale_date: *day,
            created_at: created,
            status: *status,
            estimated_credit: estimate.unwrap_or(Money::ZERO),
            piece_count: 1,
            closure: outcome.map(|outcome| Closure {
                outcome,
                validated_on: retour_domain::hours::paris_today(last_step),
                credited_ht: credited,
                credit_note_number: credit_note.map(str::to_owned),
            }),
            lines: vec![StoredDossierLine {
                line_no: line.line_no,
                reference: line.reference.clone(),
                designation: line.designation.clone(),
                qty: 1,
                reason: reason.to_owned(),
                estimated_credit: estimate,
                unit_price: line.unit_price,
                deposit: line.deposit,
                accepted_qty: accepted,
                decision: None,
                photos: line_photos.clone(),
            }],
        };
        c.insert_return_request(
            &request,
            customer,
            account,
            created,
            dossier.estimated_credit,
        )?;
        c.insert_dossier(&dossier)?;
        for (step, s) in steps.enumerate() {
            let at = created + chrono::Duration::days(step as i64);
            c.insert_history(&dossier.number, *s, at)?;
            if *s == DossierStatus::Sent {
                c.insert_photos_event(&dossier.number, at, line_photos.len())?;
            }
            if notification::notifies_status(*s) && *s != DossierStatus::Closed {
                told.push(DemoNotification {
                    customer,
                    at,
                    kind: NotificationKind::Status,
                    dossier: dossier.number.clone(),
                    text: notification::status(&dossier.number, *s),
                });
            }
        }
        if let Some(closure) = &dossier.closure {
            decide_demo_file(c, rng, &dossier, closure, last_step, told)?;
        }
        made += 1;
    }
    Ok(made)
}

/// The decision of a closed demo file, line by line, and its timeline event; a refused line is
/// refused for fitting marks, sent back to the garage, with a comment, and the garage asked why
/// and had an answer.
fn decide_demo_file(
    c: &Conn<'_>,
    rng: &mut Rng,
    dossier: &StoredDossier,
    closure: &Closure,
    at: DateTime<Utc>,
    told: &mut Vec<DemoNotification>,
) -> Result<(), DbError> {
    let decisions: Vec<LineDecision> = dossier
        .lines
        .iter()
        .map(|l| {
            let accepted_qty = l.accepted_qty.unwrap_or(l.qty).min(l.qty);
            let refused = accepted_qty < l.qty;
            LineDecision {
                line_no: l.line_no,
                accepted_qty,
                refused_qty: l.qty - accepted_qty,
                credited_ht: closure.credited_ht,
                refusal_reason: refused.then_some(RefusalReason::Fitted),
                disposition: refused.then_some(Disposition::Returned),
                comment: refused.then(|| "Traces de serrage sur les fixations".to_owned()),
            }
        })
        .collect();
    c.record_decisions(&dossier.number, &decisions)?;
    let text = timeline::decision_text(closure.outcome, &decisions, closure.credited_ht);
    c.insert_event(
        &dossier.number,
        at,
        EventKind::Decision,
        Actor::Staff,
        &text,
        None,
    )?;
    told.push(DemoNotification {
        customer: dossier.customer_id,
        at,
        kind: NotificationKind::Decision,
        dossier: dossier.number.clone(),
        text: notification::decision(
            &dossier.number,
            closure.outcome,
            &decisions,
            closure.credited_ht,
        ),
    });
    if closure.outcome != Outcome::Refused {
        return Ok(());
    }
    let thread = [
        (
            Author::Customer,
            "Atelier Garage Démo",
            "Bonjour, la pièce n'a jamais été montée (photo du moyeu jointe) : pouvez-vous vérifier ?",
            2,
        ),
        (
            Author::Staff,
            "Service Retours",
            "Bonjour, le contrôle a relevé des traces de serrage sur les fixations. La pièce vous est renvoyée avec votre prochaine livraison.",
            5,
        ),
    ];
    for (author, name, text, hours) in thread {
        let id = uuid::Uuid::from_u64_pair(rng.next(), rng.next()).to_string();
        let message_at = at + chrono::Duration::hours(hours);
        // The garage shows the hub, close up, with its question.
        let photos = if author == Author::Customer {
            let photo = demo_photo(DemoPhoto::TighteningMarks);
            c.insert_photo(dossier.customer_id, &photo, message_at)?;
            vec![photo.id]
        } else {
            Vec::new()
        };
        c.insert_message(
            &dossier.number,
            &NewMessage {
                message_id: &id,
                at: message_at,
                author,
                author_name: name,
                text,
                photos: &photos,
            },
        )?;
        if author == Author::Staff {
            told.push(DemoNotification {
                customer: dossier.customer_id,
                at: message_at,
                kind: NotificationKind::Message,
                dossier: dossier.number.clone(),
                text: notification::message(&dossier.number, name, text),
            });
        }
    }
    Ok(())
}

/// A notification the demo's past tells of.
struct DemoNotification {
    customer: i64,
    at: DateTime<Utc>,
    kind: NotificationKind,
    dossier: String,
    text: NotificationText,
}

/// How many of each customer's demo notifications stay unread (the newest).
pub const DEMO_UNREAD: usize = 3;

/// Records the demo's notifications oldest first (so `seq` follows time), without e-mails; all
/// but each customer's [`DEMO_UNREAD`] newest are read.
fn record_demo_notifications(c: &Conn<'_>, mut told: Vec<DemoNotification>) -> Result<(), DbError> {
    told.sort_by_key(|n| n.at);
    let mut seqs: Vec<(i64, u64)> = Vec::new();
    for n in &told {
        let seq = c.record_notification(n.customer, n.kind, Some(&n.dossier), &n.text, n.at)?;
        seqs.push((n.customer, seq));
    }
    let mut customers: Vec<i64> = seqs.iter().map(|(customer, _)| *customer).collect();
    customers.sort_unstable();
    customers.dedup();
    for customer in customers {
        let own: Vec<u64> = seqs
            .iter()
            .filter(|(c, _)| *c == customer)
            .map(|(_, seq)| *seq)
            .collect();
        if let Some(last_read) = own.len().checked_sub(DEMO_UNREAD + 1).map(|i| own[i]) {
            c.mark_notifications_read(customer, last_read)?;
        }
    }
    Ok(())
}

/// Garage A's BL delivered 88 days ago whose exchange part's deposit is due in 2 days.
pub const DEPOSIT_DUE_BL: &str = "250000790";
/// Garage A's BL delivered 95 days ago whose deposit expired 5 days ago.
pub const DEPOSIT_EXPIRED_BL: &str = "250000791";

/// Records a demo credit note for every line of the files that show `number`, each line for
/// the amount decided, issued the day after the file was decided (not after `today`).
fn credit_whole_files(
    c: &Conn<'_>,
    customer: i64,
    number: &str,
    today: NaiveDate,
) -> Result<(), DbError> {
    let files = c.dossiers_with_credit_note(customer, number)?;
    let lines: Vec<(String, u32, Money, NaiveDate)> = files
        .iter()
        .flat_map(|f| {
            f.lines.iter().filter_map(|l| {
                let decided = f.closure.as_ref()?.validated_on;
                let amount = l.decision.as_ref()?.credited_ht;
                (amount > Money::ZERO).then(|| (f.number.clone(), l.line_no, amount, decided))
            })
        })
        .collect();
    let Some(issued_on) = lines.iter().map(|l| l.3).max() else {
        return Ok(());
    };
    let issued_on = (issued_on + Days::new(1)).min(today);
    let credited: Vec<(&str, u32, Money)> = lines
        .iter()
        .map(|(d, n, a, _)| (d.as_str(), *n, *a))
        .collect();
    insert_demo_credit_note(c, customer, number, issued_on, &credited)
}

/// Writes a demo credit note (without e-mailing the garage): the note, each file's number and
/// timeline event.
fn insert_demo_credit_note(
    c: &Conn<'_>,
    customer: i64,
    number: &str,
    issued_on: NaiveDate,
    lines: &[(&str, u32, Money)],
) -> Result<(), DbError> {
    let note = StoredCreditNote {
        number: number.to_owned(),
        customer_id: customer,
        customer_code: String::new(),
        issued_on,
        total: lines.iter().map(|l| l.2).sum(),
        lines: lines
            .iter()
            .map(|(dossier, line_no, amount)| StoredCreditNoteLine {
                dossier: (*dossier).to_owned(),
                line_no: *line_no,
                reference: String::new(),
                amount: *amount,
            })
            .collect(),
    };
    let at = at_paris(issued_on, 10, 0);
    c.insert_credit_note(&note, at)?;
    let mut told: Vec<&str> = Vec::new();
    for (dossier, _, _) in lines {
        if told.contains(dossier) {
            continue;
        }
        told.push(dossier);
        c.set_credit_note_number(dossier, number)?;
        let text = timeline::credit_note_text(number);
        c.insert_event(
            dossier,
            at,
            EventKind::CreditNote,
            Actor::Staff,
            &text,
            None,
        )?;
    }
    Ok(())
}

/// One file of the money demo: its BL line, units, reason, and what was accepted (refused
/// units are refused for `refusal`).
struct MoneyFile {
    /// The day the file was created.
    created: NaiveDate,
    product: usize,
    qty: u32,
    reason: &'static str,
    accepted: u32,
    refusal: Option<RefusalReason>,
    /// Days from creation to the decision (`None`: still open, received).
    decided_after: Option<u64>,
}

/// Writes a BL of one line delivered `delivered` and a file returning it, decided when asked;
/// returns the file's number and line's decided amount.
fn money_file(
    c: &Conn<'_>,
    rng: &mut Rng,
    sender: &DemoSender<'_>,
    bl: &str,
    delivered: NaiveDate,
    file: &MoneyFile,
    reasons: &ReasonTable,
) -> Result<(String, Money), DbError> {
    let product = &CATALOGUE[file.product];
    let line = product_line(1, product, file.qty, 0);
    insert_note(
        c,
        sender.customer,
        bl,
        delivered,
        std::slice::from_ref(&line),
    )?;
    let prices = LinePrices {
        unit_price: line.unit_price,
        deposit: line.deposit,
    };
    let estimate = reasons
        .estimate(file.reason, &prices, file.qty)
        .ok()
        .flatten();
    let created = at_paris(file.created, 9, 30);
    let request = RequestRef {
        id: uuid::Uuid::from_u64_pair(rng.next(), rng.next()).to_string(),
        number: c.next_request_number(created)?,
        preaccord_email: sender.email.to_owned(),
    };
    let decided = file
        .decided_after
        .map(|d| created + chrono::Duration::days(i64::try_from(d).unwrap_or(0)));
    let credited = match reasons.estimate(file.reason, &prices, file.accepted) {
        Ok(Some(amount)) => amount,
        _ => line
            .unit_price
            .times(file.accepted, rust_decimal::Decimal::ONE),
    };
    let closure = decided.map(|at| Closure {
        outcome: retour_domain::decision::outcome(file.accepted, file.qty),
        validated_on: retour_domain::hours::paris_today(at),
        credited_ht: credited,
        credit_note_number: None,
    });
    let status = if decided.is_some() {
        DossierStatus::Closed
    } else {
        DossierStatus::Received
    };
    let dossier = StoredDossier {
        number: c.next_dossier_number()?,
        kind: retour_domain::api::DossierKind::Return,
        customer_id: sender.customer,
        request: Some(request.clone()),
        delivery_note: bl.to_owned(),
        sale_date: delivered,
        created_at: created,
        status,
        estimated_credit: estimate.unwrap_or(Money::ZERO),
        piece_count: file.qty,
        closure: closure.clone(),
        lines: vec![StoredDossierLine {
            line_no: 1,
            reference: line.reference.clone(),
            designation: line.designation.clone(),
            qty: file.qty,
            reason: file.reason.to_owned(),
            estimated_credit: estimate,
            unit_price: line.unit_price,
            deposit: line.deposit,
            accepted_qty: decided.map(|_| file.accepted),
            decision: None,
            photos: Vec::new(),
        }],
    };
    c.insert_return_request(
        &request,
        sender.customer,
        sender.account,
        created,
        dossier.estimated_credit,
    )?;
    c.insert_dossier(&dossier)?;
    c.insert_history(&dossier.number, DossierStatus::Sent, created)?;
    c.insert_history(
        &dossier.number,
        DossierStatus::Received,
        created + chrono::Duration::days(1),
    )?;
    if let (Some(at), Some(closure)) = (decided, &closure) {
        c.insert_history(
            &dossier.number,
            DossierStatus::Inspecting,
            created + chrono::Duration::days(2),
        )?;
        c.insert_history(&dossier.number, DossierStatus::Closed, at)?;
        let refused = file.qty - file.accepted;
        let decision = LineDecision {
            line_no: 1,
            accepted_qty: file.accepted,
            refused_qty: refused,
            credited_ht: credited,
            refusal_reason: (refused > 0).then_some(file.refusal.unwrap_or(RefusalReason::Other)),
            disposition: (refused > 0).then_some(Disposition::Returned),
            comment: None,
        };
        c.record_decisions(&dossier.number, std::slice::from_ref(&decision))?;
        let text = timeline::decision_text(closure.outcome, &[decision], credited);
        c.insert_event(
            &dossier.number,
            at,
            EventKind::Decision,
            Actor::Staff,
            &text,
            None,
        )?;
    }
    Ok((dossier.number, credited))
}

/// The money demo of garage A (v1.1), on BLs older than the BL lists' 31 days: a busy month of
/// files and a quiet one before it, credited, short (4,37 €) and awaiting for 40 days; deposits
/// due in 2 days (already reminded), expired 5 days ago, in return and refunded.
fn seed_money(
    c: &Conn<'_>,
    rng: &mut Rng,
    sender: &DemoSender<'_>,
    today: NaiveDate,
    reasons: &ReasonTable,
) -> Result<Seeded, DbError> {
    let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let busy = first_of(today - Days::new(75));
    let quiet = first_of(busy - Days::new(1));
    let on = |start: NaiveDate, days: u64| start + Days::new(days);
    use RefusalReason::{Fitted, Packaging};
    let file = |created, product, qty, reason, accepted, refusal, decided_after| MoneyFile {
        created,
        product,
        qty,
        reason,
        accepted,
        refusal,
        decided_after,
    };
    let plan = [
        file(on(busy, 1), 0, 2, "customer_cancellation", 2, None, Some(6)),
        file(on(busy, 3), 1, 1, "new_part", 1, None, Some(6)),
        file(on(busy, 4), 8, 1, "order_error", 1, None, Some(6)),
        file(on(busy, 7), 5, 4, "new_part", 3, Some(Packaging), Some(6)),
        file(on(busy, 9), 0, 1, "late_delivery", 0, Some(Fitted), Some(6)),
        file(
            on(busy, 12),
            24,
            6,
            "customer_cancellation",
            6,
            None,
            Some(6),
        ),
        file(on(busy, 15), 13, 2, "defective", 2, None, Some(6)),
        file(on(quiet, 10), 0, 1, "new_part", 1, None, Some(6)),
        file(
            today - Days::new(47),
            20,
            2,
            "order_error",
            2,
            None,
            Some(7),
        ),
        // Deposits: one refunded (its old part back, accepted), one in a file still open.
        file(today - Days::new(60), 22, 1, "deposit", 1, None, Some(5)),
        file(today - Days::new(45), 12, 1, "deposit", 1, None, None),
    ];
    let mut made = Vec::new();
    for (i, f) in plan.iter().enumerate() {
        let bl = format!("{}", 250_000_700 + i);
        let delivered = f.created - Days::new(if f.reason == "deposit" { 40 } else { 2 });
        made.push(money_file(c, rng, sender, &bl, delivered, f, reasons)?);
    }
    let at = |i: usize| (made[i].0.as_str(), 1, made[i].1);
    let issued = |i: usize| {
        plan[i]
            .created
            .checked_add_days(Days::new(plan[i].decided_after.unwrap_or(0) + 10))
            .unwrap_or(today)
            .min(today)
    };
    let money = |t: &str| Money::parse(t).unwrap_or(Money::ZERO);
    let customer = sender.customer;
    insert_demo_credit_note(c, customer, "AV2026-0071", issued(7), &[at(7)])?;
    insert_demo_credit_note(c, customer, "AV2026-0098", issued(1), &[at(0), at(1)])?;
    // Short: 189,00 € decided, 184,63 € credited.
    let short = (made[2].0.as_str(), 1, money("184.63"));
    insert_demo_credit_note(c, customer, "AV2026-0105", issued(3), &[short, at(3)])?;
    insert_demo_credit_note(
        c,
        customer,
        "AV2026-0112",
        issued(6),
        &[at(5), at(6), at(9)],
    )?;
    // Files 8 (decided 40 days ago) waits; file 4 was refused: nothing to credit.

    // Deposits due in 2 days (reminded 14 and 3 days before) and expired 5 days ago.
    let due = [
        product_line(1, &CATALOGUE[3], 1, 0),
        product_line(2, &CATALOGUE[5], 2, 0),
    ];
    insert_note(c, customer, DEPOSIT_DUE_BL, today - Days::new(88), &due)?;
    for (days_before, ago) in [(14, 12), (3, 1)] {
        c.record_reminder(
            DEPOSIT_DUE_BL,
            1,
            days_before,
            true,
            at_paris(today - Days::new(ago), 7, 0),
        )?;
    }
    let expired = [product_line(1, &CATALOGUE[4], 2, 0)];
    insert_note(
        c,
        customer,
        DEPOSIT_EXPIRED_BL,
        today - Days::new(95),
        &expired,
    )?;
    Ok(Seeded {
        delivery_notes: plan.len() + 2,
        dossiers: plan.len(),
        created: true,
    })
}

/// Seeds the demo data for `today` (a Paris date), once: if the database already has accounts,
/// nothing is done. Hashing the three passwords takes a moment.
pub fn seed(db: &Db, today: NaiveDate) -> Result<Seeded, DbError> {
    if db.read(|c| c.has_accounts())? {
        return Ok(Seeded::default());
    }
    let customer_hash = hash_password(CUSTOMER_PASSWORD);
    let staff_hash = hash_password(STAFF_PASSWORD);
    let reasons = ReasonTable::default();
    db.write(|c| {
        if c.has_accounts()? {
            return Ok(Seeded::default());
        }
        let mut rng = Rng(0x5EED_2026);
        let a = c.insert_customer("C00042", "Garage Démo — Atelier Martin")?;
        let b = c.insert_customer("C00077", "Autre Garage SARL")?;
        let account_a = c.insert_account(
            CUSTOMER_A,
            "Atelier Garage Démo",
            Role::Customer,
            Some(a),
            &customer_hash,
        )?;
        let account_b = c.insert_account(
            CUSTOMER_B,
            "Contact Autre Garage",
            Role::Customer,
            Some(b),
            &customer_hash,
        )?;
        c.insert_account(STAFF, "Service Retours", Role::Staff, None, &staff_hash)?;
        let notes_a = seed_notes(c, &mut rng, a, 250_001_100, today)?;
        let notes_b = seed_notes(c, &mut rng, b, 251_002_200, today)?;
        use DossierStatus::*;
        let plan_a = [
            (Sent, None, None),
            (Received, None, None),
            (Inspecting, None, None),
            (Closed, Some(Outcome::Accepted), Some("AV2026-0142")),
            (Closed, Some(Outcome::Partial), None),
            (Closed, Some(Outcome::Refused), None),
            (Sent, None, None),
            (Received, None, None),
        ];
        let plan_b = [
            (Sent, None, None),
            (Inspecting, None, None),
            (Closed, Some(Outcome::Accepted), Some("AV2026-0187")),
        ];
        let sender_a = DemoSender {
            customer: a,
            account: account_a,
            email: CUSTOMER_A,
        };
        let sender_b = DemoSender {
            customer: b,
            account: account_b,
            email: CUSTOMER_B,
        };
        let mut told = Vec::new();
        let dossiers = seed_dossiers(
            c, &mut rng, &sender_a, &notes_a, &plan_a, &reasons, &mut told,
        )? + seed_dossiers(
            c, &mut rng, &sender_b, &notes_b, &plan_b, &reasons, &mut told,
        )?;
        record_demo_notifications(c, told)?;
        // Two BLs with nothing to return, each for its own reason: too old, all returned.
        let past = [
            product_line(1, &CATALOGUE[0], 2, 0),
            product_line(2, &CATALOGUE[1], 1, 0),
        ];
        insert_note(c, a, PAST_WINDOW_BL, today - Days::new(45), &past)?;
        let returned = [
            product_line(1, &CATALOGUE[2], 2, 2),
            product_line(2, &CATALOGUE[3], 1, 1),
        ];
        insert_note(c, a, RETURNED_BL, today - Days::new(12), &returned)?;
        // The credit notes of the files closed with one.
        for (number, customer) in [("AV2026-0142", a), ("AV2026-0187", b)] {
            credit_whole_files(c, customer, number, today)?;
        }
        let money = seed_money(c, &mut Rng(0x0A0D_2026), &sender_a, today, &reasons)?;
        Ok(Seeded {
            delivery_notes: notes_a.len() + notes_b.len() + 2 + money.delivery_notes,
            dossiers: dossiers + money.dossiers,
            created: true,
        })
    })
}

/// Files written per transaction by [`seed_bulk`]. Each file updates the same few rows (the
/// file-number counter and, on PostgreSQL, the per-customer counts kept by a trigger): in one
/// transaction PostgreSQL cannot prune those rows' dead versions until it commits, so each
/// update walks every earlier one and 100,000 files in one transaction take tens of minutes,
/// against seconds in transactions of a thousand.
const BULK_FILES_PER_TRANSACTION: usize = 1_000;

/// Adds volume for the benchmark to customer A: `notes` BLs of 8 lines (20 units each) over the
/// last 30 days and `dossiers` files spread over them. Run after [`seed`]. The BLs are written
/// in one transaction, the files in transactions of [`BULK_FILES_PER_TRANSACTION`].
pub fn seed_bulk(
    db: &Db,
    today: NaiveDate,
    notes: usize,
    dossiers: usize,
) -> Result<Seeded, DbError> {
    let reasons = ReasonTable::default();
    let (customer, made) = db.write(|c| {
        let account = c
            .account_by_email(CUSTOMER_A)?
            .ok_or_else(|| DbError::Corrupt("seed the demo first".to_owned()))?;
        let customer = account
            .customer
            .map(|c| c.id)
            .ok_or_else(|| DbError::Corrupt("no customer".to_owned()))?;
        let mut rng = Rng(0xB07C_4000);
        let mut made = Vec::with_capacity(notes);
        for i in 0..notes {
            let day = today
                .checked_sub_days(Days::new((i % 30) as u64))
                .unwrap_or(today);
            let lines: Vec<NewLine> = (1..=8)
                .map(|line_no| {
                    let product =
                        &CATALOGUE[usize::try_from(rng.below(CATALOGUE.len() as u64)).unwrap_or(0)];
                    product_line(line_no, product, 20, 0)
                })
                .collect();
            let number = format!("{}", 300_000_000 + i);
            insert_note(c, customer, &number, day, &lines)?;
            made.push((number, day, lines));
        }
        Ok::<_, DbError>((customer, made))
    })?;
    let mut count = 0;
    for start in (0..dossiers).step_by(BULK_FILES_PER_TRANSACTION) {
        let end = dossiers.min(start + BULK_FILES_PER_TRANSACTION);
        count += seed_bulk_files(db, customer, &made, &reasons, start..end)?;
    }
    Ok(Seeded {
        delivery_notes: notes,
        dossiers: count,
        created: true,
    })
}

/// The bulk files `range` (numbered among all the bulk files), spread over the bulk BLs `made`,
/// in one transaction; returns how many were written.
fn seed_bulk_files(
    db: &Db,
    customer: i64,
    made: &[(String, NaiveDate, Vec<NewLine>)],
    reasons: &ReasonTable,
    range: std::ops::Range<usize>,
) -> Result<usize, DbError> {
    db.write(|c| {
        let mut count = 0;
        for i in range.clone() {
            let Some((number, day, lines)) = made.get(i % made.len().max(1)) else {
                break;
            };
            let line = &lines[(i / made.len().max(1)) % lines.len()];
            let reason = if line.deposit.is_some() {
                "deposit"
            } else {
                "new_part"
            };
            let prices = LinePrices {
                unit_price: line.unit_price,
                deposit: line.deposit,
            };
            let estimate = reasons.estimate(reason, &prices, 1).ok().flatten();
            let created = at_paris(*day, 8, 0) + chrono::Duration::seconds(i as i64);
            let status = DossierStatus::ALL[i % 3];
            let dossier = StoredDossier {
                kind: retour_domain::api::DossierKind::Return,
                number: c.next_dossier_number()?,
                customer_id: customer,
                request: None,
                delivery_note: number.clone(),
                sale_date: *day,
                created_at: created,
                status,
                estimated_credit: estimate.unwrap_or(Money::ZERO),
                piece_count: 1,
                closure: None,
                lines: vec![StoredDossierLine {
                    line_no: line.line_no,
                    reference: line.reference.clone(),
                    designation: line.designation.clone(),
                    qty: 1,
                    reason: reason.to_owned(),
                    estimated_credit: estimate,
                    unit_price: line.unit_price,
                    deposit: line.deposit,
                    accepted_qty: None,
                    decision: None,
                    photos: Vec::new(),
                }],
            };
            c.insert_dossier(&dossier)?;
            c.insert_history(&dossier.number, DossierStatus::Sent, created)?;
            count += 1;
        }
        Ok(count)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_gtins_are_valid() {
        for product in CATALOGUE {
            if let Some(body) = product.gtin_body {
                assert_eq!(body.len(), 12, "{}", product.reference);
                let gtin = gtin13(body);
                assert!(Gtin::parse(&gtin).is_some(), "{gtin}");
            }
            assert!(Money::parse(product.price).is_ok());
        }
        assert_eq!(gtin13("404702455056"), "4047024550568");
    }
}
