-- one row per rejected input row, with where it is and why
with rejects as (
    select * from read_parquet('lake/_rejects/**/*.parquet', union_by_name = true)
),

imported as (
    select rejects.*
    from rejects
    where sha256 in (select sha256 from stg_manifest)
)

select file_name, line, "column", field, value, reason, hint, record, sha256
from imported
