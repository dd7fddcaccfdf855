"""The contract between the API and the Bharat Connect network: all the two sides share.

In production the network is another party; here the network service (``simulator/``) plays
it. Both sides build to this package and to nothing of each other's:

- ``port``: the operations the API asks of the network (the ``Network`` protocol), their
  answers and the messages the network sends (onboarding, directory, documents, payments,
  financing), and the errors it answers with;
- ``wire``: the JSON both ways (camelCase), common fields, documents and messages, and the
  webhook signature; ``payments`` and ``financing``: their domains' wire;
- ``identifiers`` (GSTIN, PAN, IFSC, UTR, UPI, B2B ID syntax) and ``states`` (GST state codes),
  which both sides check.

It imports nothing of the API (``resolvers``, ``schema``, ``server``, ``db``) nor of the
simulator; ``tests/test_import_rules.py`` holds every package to its side.
"""
