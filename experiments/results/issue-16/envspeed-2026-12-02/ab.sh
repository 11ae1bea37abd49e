#!/bin/bash
# Usage: bash ab.sh OUTDIR base=DIR new=DIR: old vs new alternating, in one run, under nice -n 10.
# 1. game-gym bench --suite env --transport in-process --envs 1 64 --seconds 3 in each checkout, 3 rounds;
# 2. game-gym bench --suite env --transport tcp --envs 1 --seconds 3 (server in a child process), 2 rounds;
# 3. loop.mjs (plain reset/step loop for 1 env, AsyncVectorEnv for 64), 2 s after a 1 s warm-up, 5 rounds.
OUT=$1; shift; mkdir -p "$OUT"
HERE=$(cd "$(dirname "$0")" && pwd)
stamp() { echo "$(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"; }
for r in 1 2 3; do for pair in "$@"; do name=${pair%%=*}; dir=${pair#*=}
  echo "$(stamp) bench in-process round $r $name" >> "$OUT/log.txt"
  (cd "$dir" && nice -n 10 node scripts/game-gym.js bench --suite env --transport in-process --envs 1 64 --seconds 3 --out "$OUT/inproc-$name-$r" 2>&1 | grep '^| TicTacToe' >> "$OUT/log.txt")
done; done
for r in 1 2; do for pair in "$@"; do name=${pair%%=*}; dir=${pair#*=}
  echo "$(stamp) bench tcp round $r $name" >> "$OUT/log.txt"
  (cd "$dir" && nice -n 10 node scripts/game-gym.js bench --suite env --transport tcp --envs 1 --seconds 3 --out "$OUT/tcp-$name-$r" 2>&1 | grep '^| TicTacToe' >> "$OUT/log.txt")
done; done
for r in 1 2 3 4 5; do for envs in 1 64; do for pair in "$@"; do name=${pair%%=*}; dir=${pair#*=}
  echo "round $r $name load $(cut -d' ' -f1 /proc/loadavg) $(cd "$dir" && nice -n 10 node --import tsx "$HERE/loop.mjs" "$dir" 2 $envs)" >> "$OUT/loop.txt"
done; done; done
echo "$(stamp) done" >> "$OUT/log.txt"
