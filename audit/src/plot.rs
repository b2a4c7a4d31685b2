//! `ledger.svg`: each deployment's balance after its proofs and the pay of each epoch, over
//! epochs, with its keeper fees (rings) and the slashes it received (dots) where they fell,
//! for the whole market or one subject of it. Drawn from the ledger's sorted maps with
//! the SVG backend only, so the same ledger gives the same bytes.

use alloy_primitives::{Address, U256};
use plotters::prelude::*;

use crate::ledger::Ledger;

/// Token base units as a float for plotting (amounts past `u128` are drawn at `u128::MAX`).
fn units(amount: U256) -> f64 {
    u128::try_from(amount).unwrap_or(u128::MAX) as f64
}

const COLORS: [RGBColor; 6] = [BLUE, RED, GREEN, MAGENTA, CYAN, BLACK];

/// Whose deployments a plot draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// Every deployment: `ledger.svg` of `audit replay`.
    Market,
    /// One deployment, by id.
    Deployment(u64),
    /// The deployments a provider's placements served.
    Provider(Address),
}

impl Subject {
    fn caption(self) -> String {
        match self {
            Self::Market => "Deployments: balance and pay per epoch".into(),
            Self::Deployment(id) => format!("Deployment {id}: balance and pay per epoch"),
            Self::Provider(provider) => {
                format!("Deployments served by {provider}: balance and pay per epoch")
            }
        }
    }

    fn draws(self, ledger: &Ledger, deployment: u64) -> bool {
        match self {
            Self::Market => true,
            Self::Deployment(id) => id == deployment,
            Self::Provider(provider) => ledger
                .placements
                .values()
                .any(|p| p.provider == provider && p.deployment == deployment),
        }
    }
}

/// The plot of every deployment as an SVG document; `None` when no epoch was proven.
pub fn svg(ledger: &Ledger) -> Result<Option<String>, String> {
    svg_of(ledger, Subject::Market)
}

/// The plot of `subject`'s deployments as an SVG document; `None` when none of their epochs was
/// proven.
pub fn svg_of(ledger: &Ledger, subject: Subject) -> Result<Option<String>, String> {
    let deployments: Vec<_> = ledger
        .deployments
        .iter()
        .filter(|(id, _)| subject.draws(ledger, **id))
        .collect();
    if deployments.iter().all(|(_, d)| d.epochs.is_empty()) {
        return Ok(None);
    }
    let epochs = deployments.iter().flat_map(|(_, d)| {
        let events = d
            .keeper_fees_by_epoch
            .keys()
            .chain(d.slashes_by_epoch.keys());
        d.epochs.keys().chain(events).copied()
    });
    let range = epochs.fold(None, |range: Option<(u64, u64)>, e| {
        Some(range.map_or((e, e), |(a, b)| (a.min(e), b.max(e))))
    });
    let Some((first, last)) = range else {
        return Ok(None);
    };
    let top = deployments
        .iter()
        .flat_map(|(_, d)| {
            let proofs = d.epochs.values().flat_map(|r| [r.balance.0, r.paid.0]);
            let events = d
                .keeper_fees_by_epoch
                .values()
                .chain(d.slashes_by_epoch.values());
            proofs.chain(events.map(|amount| amount.0))
        })
        .map(units)
        .fold(1.0, f64::max);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (900, 500)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(subject.caption(), ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(90)
            .build_cartesian_2d(first as f64..(last as f64 + 1.0), 0.0..top * 1.05)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            // Whole epochs only, at most a dozen labels.
            .x_labels(((last - first) as usize + 2).min(12))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_desc("epoch")
            .y_desc("token base units")
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, (id, d)) in deployments.iter().enumerate() {
            let color = COLORS[i % COLORS.len()];
            let balance: Vec<(f64, f64)> = d
                .epochs
                .iter()
                .map(|(e, r)| (*e as f64, units(r.balance.0)))
                .collect();
            let paid: Vec<(f64, f64)> = d
                .epochs
                .iter()
                .map(|(e, r)| (*e as f64, units(r.paid.0)))
                .collect();
            chart
                .draw_series(LineSeries::new(balance, color.stroke_width(2)).point_size(2))
                .map_err(|e| e.to_string())?
                .label(format!("deployment {id} balance"))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color));
            chart
                .draw_series(LineSeries::new(paid, color.mix(0.5)).point_size(2))
                .map_err(|e| e.to_string())?
                .label(format!("deployment {id} paid"))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.mix(0.5)));
            let marks = [
                ("keeper fees", &d.keeper_fees_by_epoch, false),
                ("slashes received", &d.slashes_by_epoch, true),
            ];
            for (what, by_epoch, filled) in marks {
                if by_epoch.is_empty() {
                    continue;
                }
                let style = if filled {
                    color.filled()
                } else {
                    color.stroke_width(1)
                };
                let points = by_epoch.iter().map(|(e, a)| (*e as f64, units(a.0)));
                chart
                    .draw_series(points.map(|point| Circle::new(point, 4, style)))
                    .map_err(|e| e.to_string())?
                    .label(format!("deployment {id} {what}"))
                    .legend(move |(x, y)| Circle::new((x + 10, y), 4, style));
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(Some(out))
}
