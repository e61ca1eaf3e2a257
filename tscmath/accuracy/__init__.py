"""How exact is exact: the multiplier's bits, the classic mistakes, drift (chapters 04-05).

==================  =====================================================================
``bitfields``       a fixed-point multiplier bit by bit, and a drawing of it
``divide_first``    what dividing before multiplying costs
``float_pitfalls``  how often float64 scaling is wrong, counted against the exact scale
``drift``           how fast a truncated multiplier drifts: ticks/s, us/day, over a grid
``reanchoring``     error accumulated over repeated re-anchoring (many migrations)
==================  =====================================================================
"""
