-- Schema version 5: CoE maturity assessments and editor-ticked checklist items.
CREATE TABLE maturity_assessments (
    unit        VARCHAR NOT NULL,
    year        INTEGER NOT NULL,
    quarter     INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    dimension   VARCHAR NOT NULL,
    score       DOUBLE NOT NULL CHECK (score BETWEEN 1 AND 5),
    target      DOUBLE CHECK (target BETWEEN 1 AND 5),
    assessor    VARCHAR,
    evidence    VARCHAR,
    updated_by  VARCHAR NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (unit, year, quarter, dimension)
);

CREATE TABLE checklist_ticks (
    unit        VARCHAR NOT NULL,
    year        INTEGER NOT NULL,
    quarter     INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    checklist   VARCHAR NOT NULL,
    item        VARCHAR NOT NULL,
    done        BOOLEAN NOT NULL,
    note        VARCHAR,
    updated_by  VARCHAR NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (unit, year, quarter, checklist, item)
);
