DROP TABLE seat_holdings;
DROP TABLE seats;
