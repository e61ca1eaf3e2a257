"""The counter itself, and how an operating system learns its rate and reads it (chapters 01-03).

==================  =====================================================================
``vcpu_tsc``        one vCPU's TSC as KVM keeps it: offset, ``IA32_TSC_ADJUST``, TSC writes
``calibration``     measuring the TSC rate against the PIT or HPET, and the error of it
``clocksource``     ticks to nanoseconds with ``mult``/``shift``, as a Linux clocksource does
==================  =====================================================================
"""
