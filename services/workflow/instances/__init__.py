"""Process instances of every kind: one store (store.py) and one path that runs them (runner.py).

A task's lifecycle and each kind of case are *kinds* (services/workflow/kinds/): what differs
between them is declared there; starting, performing, firing timers, updating and reading an
instance is written once, here.
"""
