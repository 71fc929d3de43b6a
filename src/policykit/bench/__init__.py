"""A generator of realistic city and province repositories with planted defects, for the benchmarks
and the scale tests (``policykit bench generate``). Not part of checking: nothing else imports it.
"""
