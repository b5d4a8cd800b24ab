"""Process instances of every kind: one store (store.py) and one path that runs them (runner.py,
with what it asks of a kind in kind.py and what each change writes in records.py).

A task's lifecycle and each kind of case are *kinds* (services/workflow/kinds/): what differs
between them is declared there; starting, performing, firing timers, updating and reading an
instance is written once, here.
"""
