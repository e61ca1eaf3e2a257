"""What the guest reads and what its OS makes of it (chapters 08a-08c).

==================  =====================================================================
``pvclock``         kvmclock: ``pvclock_vcpu_time_info``, its scale and its seqlock
``hyperv``          the Hyper-V reference TSC page (0.64 multiplier, 100 ns units)
``guest_os``        what a guest OS does with a jump or a drift (NTP, the watchdog)
==================  =====================================================================
"""
