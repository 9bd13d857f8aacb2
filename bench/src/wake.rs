//! The price of handing work to another thread and back on this machine: a value sent to a
//! parked thread and sent back, `--rounds` times (std channels, which park on a futex, as
//! tokio's idle workers and a waiting Python or Node thread do). Any binding whose event loop
//! and I/O live on different threads pays about one such round trip per call; printed in the
//! results beside the latency figures. One JSON line on stdout (brokerlink_bench::report).

use brokerlink_bench::{report, Outcome};
use clap::Parser;
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value_t = 20_000)]
    rounds: usize,
    /// Pause between rounds, so the other thread is parked (not spinning) when it is woken,
    /// as between the calls of a real program.
    #[arg(long, default_value_t = 50)]
    pause_us: u64,
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    let (to_echo, echo_in) = mpsc::channel::<Instant>();
    let (echo_out, back) = mpsc::channel::<Instant>();
    let echo = std::thread::spawn(move || {
        for sent in echo_in {
            if echo_out.send(sent).is_err() {
                break;
            }
        }
    });
    let mut outcome = Outcome::default();
    let (started, cpu_before) = (Instant::now(), brokerlink_bench::cpu_ms());
    for _ in 0..args.rounds {
        std::thread::sleep(Duration::from_micros(args.pause_us));
        to_echo.send(Instant::now()).map_err(|e| e.to_string())?;
        let sent = back.recv().map_err(|e| e.to_string())?;
        outcome.latencies_us.push(sent.elapsed().as_micros() as u64);
        outcome.items += 1;
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome.cpu_ms = brokerlink_bench::cpu_ms() - cpu_before;
    drop(to_echo);
    echo.join().map_err(|_| "the echo thread panicked".to_owned())?;
    println!("{}", report(&outcome));
    Ok(())
}
