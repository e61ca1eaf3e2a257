"""tsccourse: what runs the Virtualizing Time course around :mod:`tscmath`.

``tscmath`` is the exact arithmetic and the models the chapters teach; this package is the
machinery around them: it imports ``tscmath``, and ``tscmath`` never imports it.

A map of the package
--------------------
==================  =====================================================================
``exercises``       the checkers with feedback (``check``), one module per exercise set, and
                    the grader that runs submissions (``python -m tsccourse.exercises.grading``)
``playground``      chapter 07's app: settings, model, session, the JupyterLab widget and the
                    static site's page and calculator
``kvm_live``        your machine's ``/dev/kvm``: a tiny real guest and the page KVM writes
``kvm_checks``      a live or recorded KVM run, checked against ``tscmath.guest_view.pvclock``
``this_machine``    what the running kernel reports about its own TSC (``/proc``, ``/sys``)
``site_bridge``     what the static site's Web Worker calls: playground, calculator, exercises
==================  =====================================================================
"""
