"""The contract between the API and the Bharat Connect network: all the two sides share.

In production the network is another party; here the network service (``simulator/``) plays
it. Both sides build to this package and to nothing of each other's:

- ``port``: the operations the API asks of the network (the ``Network`` protocol);
- by domain, what they take and answer: ``onboarding`` (the GSTN portal, the B2B ID directory,
  the network's decisions), ``documents``, ``payments`` and ``financing`` (each with its part
  of the wire format), ``messages`` (what the network sends the hosted participant) and
  ``errors`` (refused, timed out, unavailable);
- ``wire``: the JSON both ways (camelCase), common fields, documents and messages, and the
  webhook signature;
- ``identifiers`` (GSTIN, PAN, IFSC, UTR, UPI, B2B ID syntax) and ``states`` (GST state codes),
  which both sides check.

It imports nothing of the API (``resolvers``, ``schema``, ``server``, ``db``) nor of the
simulator; ``tests/test_import_rules.py`` holds every package to its side.
"""
