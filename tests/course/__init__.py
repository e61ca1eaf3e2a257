"""Tests of tsccourse: the playground, the live-KVM driver and its checks, this machine.

The checkers and the grader are tested in ``tests/exercises``; ``tscmath`` in ``tests/package``.
"""
