#!/usr/bin/env bash
# Plots reliable bulk throughput under 0-30 % loss (the lossy/bulk-*pct rows of an
# opengns-bench JSON file) for opengns and ENet: median with min-max error bars.
#
#   bench/plot_loss.sh results.json docs/bench-loss.png
set -euo pipefail
json=${1:?usage: plot_loss.sh RESULTS.json OUT.png}
out=${2:?usage: plot_loss.sh RESULTS.json OUT.png}
data=$(mktemp)
trap 'rm -f "$data"' EXIT

# One line per loss percentage: pct, opengns median/min/max, enet median/min/max.
python3 - "$json" >"$data" <<'EOF'
import json, re, sys
rows = json.load(open(sys.argv[1]))["results"]
cells = {}
for row in rows:
    match = re.fullmatch(r"bulk-(\d+)pct", row["variant"])
    if row["scenario"] != "lossy" or not match or row["median"] is None:
        continue
    cells.setdefault(int(match.group(1)), {})[row["library"]] = row
for pct in sorted(cells):
    line = [str(pct)]
    for library in ("opengns", "enet"):
        row = cells[pct].get(library)
        line += [str(row[k]) if row else "NaN" for k in ("median", "min", "max")]
    print(" ".join(line))
EOF

gnuplot <<EOF
set terminal pngcairo size 800,480 font "sans,11"
set output "$out"
set title "Reliable bulk throughput under loss (1,200-byte messages, loopback, loss both ways)"
set xlabel "packet loss each way (%)"
set ylabel "MB/s delivered (median, min-max; log scale)"
set key top right
set grid
set xrange [-1:31]
set logscale y
set yrange [*:*]
plot "$data" using (\$1-0.3):2:3:4 with yerrorlines lw 2 pt 7 title "opengns (AES-256-GCM)", \
     "$data" using (\$1+0.3):5:6:7 with yerrorlines lw 2 pt 5 title "ENet (unencrypted)"
EOF
echo "plot_loss: wrote $out"
