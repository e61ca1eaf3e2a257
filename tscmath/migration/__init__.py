"""The live-migration model: hosts, a guest on them, and moving it (chapters 06-07, set 10).

==================  =====================================================================
``hosts``           a host's TSC, monotonic clock and wall clock, driven by one true time
``vm``              a guest on a host: its multiplier, offset and the time it believes
``protocol``        export, adjust (propolis), import (bhyve kernel): the real recipe
``strategies``      four ways to move a guest's clock, from right to naive
``timeline``        a guest's clock sampled across migrations (exact arrays for plots)
``tsc_simulator``   a replay of Oxide's tsc-simulator ``simulate`` command
==================  =====================================================================
"""
