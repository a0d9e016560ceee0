-- Schema version 3: value streams, investments, FX rates and value scenarios.
CREATE TABLE value_streams (
    program      VARCHAR NOT NULL,
    stream       VARCHAR NOT NULL,
    year         INTEGER NOT NULL CHECK (year >= 1),
    amount       DOUBLE NOT NULL,
    currency     VARCHAR NOT NULL,
    growth_rate  DOUBLE,
    updated_by   VARCHAR NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (program, stream, year)
);

CREATE TABLE investments (
    program      VARCHAR NOT NULL,
    year         INTEGER NOT NULL CHECK (year >= 1),
    category     VARCHAR NOT NULL,
    amount       DOUBLE NOT NULL,
    currency     VARCHAR NOT NULL,
    updated_by   VARCHAR NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (program, year, category)
);

-- 1 unit of base = rate units of quote, from `day` on (users maintain it: there is no internet).
CREATE TABLE fx_rates (
    base         VARCHAR NOT NULL,
    quote        VARCHAR NOT NULL,
    day          DATE NOT NULL,
    rate         DOUBLE NOT NULL CHECK (rate > 0),
    updated_by   VARCHAR NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (base, quote, day)
);

CREATE TABLE value_scenarios (
    name              VARCHAR PRIMARY KEY,
    growth_scale      DOUBLE NOT NULL,
    investment_scale  DOUBLE NOT NULL,
    growth_cap        DOUBLE,
    note              VARCHAR,
    created_by        VARCHAR NOT NULL,
    created_at        TIMESTAMP NOT NULL
);
