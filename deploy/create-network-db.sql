-- The network service keeps its state in a database of its own, beside the API's.
CREATE DATABASE bharat_connect_network OWNER bharat_connect;
