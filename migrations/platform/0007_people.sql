-- Migration 0007: the people who use the dashboard, in BetterAuth's schema.
--
-- The tables and columns are BetterAuth's (its SQLite adapter: camelCase columns, dates
-- as ISO-8601 text, booleans as 0/1), so a team that runs BetterAuth can point it at
-- these tables and sign in unchanged, and a session made by either is accepted by the
-- other. Two additional user fields (BetterAuth `additionalFields`) carry the
-- platform's own: the person's role and their Slack user id (a decision made in the
-- dashboard is the same person's decision as in Slack).

CREATE TABLE "user" (
    "id"            text NOT NULL PRIMARY KEY,
    "name"          text NOT NULL,
    "email"         text NOT NULL UNIQUE,
    "emailVerified" integer NOT NULL DEFAULT 0,
    "image"         text,
    "createdAt"     date NOT NULL,
    "updatedAt"     date NOT NULL,
    "role"          text NOT NULL DEFAULT 'viewer' CHECK ("role" IN ('owner', 'agent', 'viewer')),
    "slackUserId"   text
);

CREATE TABLE "session" (
    "id"         text NOT NULL PRIMARY KEY,
    "expiresAt"  date NOT NULL,
    "token"      text NOT NULL UNIQUE,
    "createdAt"  date NOT NULL,
    "updatedAt"  date NOT NULL,
    "ipAddress"  text,
    "userAgent"  text,
    "userId"     text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE
);
CREATE INDEX "session_userId" ON "session" ("userId");

CREATE TABLE "account" (
    "id"                    text NOT NULL PRIMARY KEY,
    "accountId"             text NOT NULL,
    "providerId"            text NOT NULL,
    "userId"                text NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE,
    "accessToken"           text,
    "refreshToken"          text,
    "idToken"               text,
    "accessTokenExpiresAt"  date,
    "refreshTokenExpiresAt" date,
    "scope"                 text,
    "password"              text,
    "createdAt"             date NOT NULL,
    "updatedAt"             date NOT NULL
);
CREATE INDEX "account_userId" ON "account" ("userId");

CREATE TABLE "verification" (
    "id"         text NOT NULL PRIMARY KEY,
    "identifier" text NOT NULL,
    "value"      text NOT NULL,
    "expiresAt"  date NOT NULL,
    "createdAt"  date,
    "updatedAt"  date
);

-- Failed sign-ins per key (`account:<email>`, `address:<ip>`) and fixed window.
CREATE TABLE login_failures (
    key           TEXT NOT NULL,
    window_start  INTEGER NOT NULL,
    failures      INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);
