//! `cargo xtask soak`: the proofs at their real counts. Each scenario is a test that CI runs at a
//! shorter count; the soak runs the same test with the count it takes from the environment set
//! to the real one, in the test environment (`test_env`: display, D-Bus, unlocked keyring), one
//! after the other, and prints a table: count, passed or failed, time, what the number means.
//! Each count is an option (`--kills 50`…); `--only NAME[,NAME…]` runs only those scenarios;
//! `--release` runs the release build of the tests. A scenario's output goes to `target/soak/<name>.log`.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// A proof and the test that makes it.
struct Scenario {
    /// Its name in the table, in `--only` and in its log's file name.
    name: &'static str,
    /// The test's full name (`module::function`), run with `--exact`.
    test: &'static str,
    /// The options and variables that set its counts, with their real values.
    counts: &'static [Count],
    /// What the numbers mean.
    meaning: &'static str,
}

/// One count of a scenario: the option, the environment variable the test reads, the real value.
struct Count {
    option: &'static str,
    variable: &'static str,
    real: u64,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "kill9",
        test: "kill9::kills_inside_cart_writes_tear_nothing",
        counts: &[Count {
            option: "--kills",
            variable: "RETOUR_KILLS",
            real: 1_000,
        }],
        meaning: "cart-editor processes killed -9 inside a write; after each, before Store::open \
                  repairs anything: integrity_check ok, every op reported committed present, \
                  materialised lines = replay of the op log",
    },
    Scenario {
        name: "startup-kills",
        test: "kill9::kills_at_start_up_never_sign_out_nor_hide_the_cart",
        counts: &[Count {
            option: "--startup-kills",
            variable: "RETOUR_STARTUP_KILLS",
            real: 1_000,
        }],
        meaning: "`retour cart set` processes killed -9 at a random moment of their start-up and \
                  edit (drawn over the time an unkilled one takes); after each the app opens on the same account (never signed \
                  out), shows the cart, and the account file was never rewritten",
    },
    Scenario {
        name: "exactly-once",
        test: "exactly_once::sends_through_faults_create_one_set_of_files_each",
        counts: &[Count {
            option: "--sends",
            variable: "RETOUR_SENDS",
            real: 1_000,
        }],
        meaning: "return requests sent by the app core through the fault proxy (POST \
                  /return-requests: 10% each dropped, answer dropped, delayed, duplicated); \
                  exactly one set of files each",
    },
    Scenario {
        name: "killed-senders",
        test: "exactly_once::senders_killed_mid_send_create_one_set_of_files_each",
        counts: &[Count {
            option: "--killed-sends",
            variable: "RETOUR_KILLED_SENDS",
            real: 1_000,
        }],
        meaning: "return requests sent by the retour CLI process, killed -9 at a random moment \
                  of each send, through the same faults, then run again; exactly one set of \
                  files each",
    },
    Scenario {
        name: "concurrent-submits",
        test: "requests::concurrent_submits_never_exceed_eligible",
        counts: &[
            Count {
                option: "--submits",
                variable: "RETOUR_CONCURRENT_SUBMITS",
                real: 100,
            },
            Count {
                option: "--lines",
                variable: "RETOUR_CONCURRENT_LINES",
                real: 10,
            },
        ],
        meaning: "concurrent one-unit submits on each of that many lines at once; exactly the \
                  eligible units accepted per line, never above",
    },
    Scenario {
        name: "foreign-ids",
        test: "foreign_ids::every_id_route_answers_a_foreign_id_like_a_missing_one",
        counts: &[],
        meaning: "every {…} route of the served OpenAPI document (the test prints how many) \
                  with another customer's id answers byte for byte like a missing id",
    },
    Scenario {
        name: "token-canary",
        test: "token_canary::no_token_in_the_data_folder_nor_the_servers_log",
        counts: &[],
        meaning: "no access or refresh token (raw, base64, hex) in any file of the data folder \
                  (SQLite, WAL, files, the app's log) nor in the process's log at trace (the \
                  server, axum, hyper, the HTTP client) after login, sync, send and refresh",
    },
    Scenario {
        name: "simulation",
        test: "simulation::three_devices_converge_whatever_the_network_does",
        counts: &[Count {
            option: "--seeds",
            variable: "RETOUR_SIM_SEEDS",
            real: 10_000,
        }],
        meaning: "seeds of 3 devices driving the real sync state machine against the real \
                  server through partitions, lost answers, duplicates and crashes; all converge",
    },
];

/// A finished scenario, for the table.
struct Outcome {
    name: &'static str,
    counts: String,
    passed: bool,
    time: Duration,
    meaning: &'static str,
}

pub fn run(args: &[String]) -> Result<()> {
    let mut values: Vec<(&'static str, u64)> = SCENARIOS
        .iter()
        .flat_map(|s| s.counts.iter().map(|c| (c.option, c.real)))
        .collect();
    let mut only: Option<Vec<String>> = None;
    let mut release = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--release" => release = true,
            "--only" => {
                let names = rest.next().context("--only NAME[,NAME…]")?;
                only = Some(names.split(',').map(str::to_owned).collect());
            }
            option => {
                let Some(slot) = values.iter_mut().find(|(o, _)| *o == option) else {
                    bail!("unknown option {option:?}; {}", usage());
                };
                slot.1 = rest
                    .next()
                    .and_then(|v| v.parse().ok())
                    .with_context(|| format!("{option} takes a number"))?;
            }
        }
    }
    let log_dir = crate::root().join("target/soak");
    std::fs::create_dir_all(&log_dir)?;
    let mut outcomes = Vec::new();
    for scenario in SCENARIOS {
        if only
            .as_ref()
            .is_some_and(|names| !names.iter().any(|n| n == scenario.name))
        {
            continue;
        }
        let env: Vec<(&str, String)> = scenario
            .counts
            .iter()
            .map(|c| {
                let value = values
                    .iter()
                    .find(|(o, _)| *o == c.option)
                    .map_or(c.real, |(_, v)| *v);
                (c.variable, value.to_string())
            })
            .collect();
        let counts = if env.is_empty() {
            "1 run".to_owned()
        } else {
            env.iter()
                .map(|(variable, value)| format!("{variable}={value}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut cargo = vec!["test", "--workspace", "--all-targets"];
        if release {
            cargo.push("--release");
        }
        cargo.extend(["--", "--exact", scenario.test, "--nocapture"]);
        let log = log_dir.join(format!("{}.log", scenario.name));
        eprintln!(
            "soak: {} ({counts}), output in {}",
            scenario.name,
            log.display()
        );
        let started = Instant::now();
        let passed = crate::test_env::cargo_logged(&cargo, &env, &log)?;
        outcomes.push(Outcome {
            name: scenario.name,
            counts,
            passed,
            time: started.elapsed(),
            meaning: scenario.meaning,
        });
    }
    print_table(&outcomes);
    let failed: Vec<_> = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| o.name)
        .collect();
    if !failed.is_empty() {
        bail!("failed: {} (see target/soak/<name>.log)", failed.join(", "));
    }
    Ok(())
}

fn usage() -> String {
    let options: Vec<String> = SCENARIOS
        .iter()
        .flat_map(|s| s.counts.iter())
        .map(|c| format!("{} N (default {})", c.option, c.real))
        .collect();
    format!(
        "options: {}, --only NAME[,NAME…], --release",
        options.join(", ")
    )
}

fn print_table(outcomes: &[Outcome]) {
    println!("| scenario | count | result | time | what the number means |");
    println!("| --- | --- | --- | --- | --- |");
    for o in outcomes {
        println!(
            "| {} | {} | {} | {:.0} s | {} |",
            o.name,
            o.counts,
            if o.passed { "passed" } else { "FAILED" },
            o.time.as_secs_f64(),
            o.meaning.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
}
