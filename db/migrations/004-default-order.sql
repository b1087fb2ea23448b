-- The table's default order (largest amount first, undisclosed last, ties by id), served by an index so
-- that the first page of a large table does not sort every row.
CREATE INDEX pledges_default_order_idx ON pledges ((amount_usd IS NULL), amount_usd DESC, id);
