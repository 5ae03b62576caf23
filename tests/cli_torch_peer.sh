#!/bin/sh
# bench/torch_peer.py, the PyTorch peer of make bench, on a tiny data set
# (no Fashion-MNIST needed): a recipe run on more threads stops after the
# first epoch that takes it past a finished run's training seconds, or whose
# pace would take it past twice them, its row an error that names the epochs
# done; the summary's peer table takes the
# finished run as the better thread count and reports the stopped one
# apart; a whole run has an accuracy.  Skipped without torch.  A few seconds.
. "$(dirname "$0")/tap.sh"
py=${TORCH_PYTHON:-/usr/bin/python3} # as bench/run_suite.sh runs it
if ! "$py" -c 'import torch' 2>/dev/null; then
    skip "torch_peer.py's recipe stops a thread count that is already slower" \
        "$py cannot import torch (apt install python3-torch)"
    exit 0
fi
out=$(cd bench && "$py" - <<'PYEOF' 2>&1
import torch, torch_peer as tp
torch.manual_seed(0)
data = (torch.rand(256, 784), torch.randint(0, 10, (256,)),
        torch.rand(64, 784), torch.randint(0, 10, (64,)))
whole = tp.recipe_row(torch, 1, data, 3)
assert not whole.get("error_occurred") and whole["epochs"] == 3, whole
assert 0 <= whole["accuracy"] <= 1, whole
# a limit the first epoch passes: stopped there, not run to the end
cut = tp.recipe_row(torch, 2, data, 3, give_up_after=0.0)
assert cut["error_occurred"] and cut["epochs"] == 1, cut
assert "stopped after 1 of 3 epochs" in cut["error_message"], cut
assert "accuracy" not in cut, cut
# the rule: past the limit, or on pace for over twice it; never at the end
assert tp.give_up_reason(6.5, 1, 10, 30.0) == ("stopped after 1 of 10 epochs: 6.5 s, on pace "
                                               "for 65.0 s, over twice the 30.0 s of a whole "
                                               "run on fewer threads")
assert tp.give_up_reason(5.0, 1, 10, 30.0) is None  # on pace for 50 s: could still be close
assert tp.give_up_reason(31.0, 9, 10, 30.0).startswith("stopped after 9 of 10 epochs: 31.0 s, past")
assert tp.give_up_reason(99.0, 10, 10, 30.0) is None and tp.give_up_reason(9.0, 1, 10, None) is None
# a limit it never reaches: the whole run
full = tp.recipe_row(torch, 2, data, 3, give_up_after=1e9)
assert not full.get("error_occurred") and full["epochs"] == 3, full
# the stopped run's partial time is shorter, yet the table takes the whole one
cut["real_time"] = whole["real_time"] / 10
table = tp.peer_table([whole, cut], None, None)
assert "torch %.2f s (threads:1" % (whole["real_time"] / 1e9) in table, table
assert "torch threads:2: stopped after 1 of 3 epochs" in table, table
print("fine")
PYEOF
)
if [ "$out" = fine ]; then
    pass "torch_peer.py: a recipe run past a finished one's time stops (an error row), the table takes the finished run"
else
    fail "torch_peer.py's recipe stops a thread count that is already slower" "$out"
fi
echo "1..$n"
[ "$failures" -eq 0 ]
