-- one row per imported file: the lake counts a file's rows only once its
-- manifest entry exists (ingest writes it last).
with manifest as (
    select * from read_parquet('lake/_manifest/**/*.parquet', union_by_name = true)
)

select
    sha256,
    file_name,
    kind,
    format,
    tables,
    merchant_id,
    rows_read,
    rows_accepted,
    rows_rejected,
    rows_written,
    import_seq,
    imported_at::timestamp as imported_at
from manifest
