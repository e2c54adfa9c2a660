"""`make bench`: build a large franchise and measure the pages people use most.

Speed is measured here, never asserted with timers in tests; tests assert query counts.
"""
