"""The Bharat Connect network simulator: the network and the world around it (GSTN portal,
B2B ID directory, counterparties, payment rails, financiers), served as a process of its own
(``python -m simulator serve``, what ``make run`` starts) or in the API's process (its tests, and
``server.cli serve`` without ``NETWORK_URL``).

It knows nothing of GraphQL or of the API's tables: it imports only ``contract`` (never
``resolvers``, ``schema``, ``server`` or ``db``). The world is in ``world`` (records and their
tracked collections), the plumbing in ``core``, each domain in its module (``gstn``,
``directory``, ``kyc``, ``documents``, ``payments``, ``financing``, ``ledger``), its HTTP faces
in ``api`` (``/v1``) and ``control`` (``/simulator``), its state in ``store``."""
