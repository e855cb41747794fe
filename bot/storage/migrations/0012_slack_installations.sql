-- practicebot schema: Slack installations for several workspaces (OAuth). One row per workspace
-- (its team_id, unique across Slack, Enterprise Grid included), holding its bot token: Slack gives it once, at install,
-- and every call in that workspace needs it. Deleted when the workspace uninstalls the app.
CREATE TABLE slack_installations (
    team_id         TEXT PRIMARY KEY,
    enterprise_id   TEXT NOT NULL DEFAULT '',
    team_name       TEXT NOT NULL DEFAULT '',
    app_id          TEXT NOT NULL DEFAULT '',
    bot_token       TEXT NOT NULL,
    bot_id          TEXT NOT NULL DEFAULT '',
    bot_user_id     TEXT NOT NULL DEFAULT '',
    bot_scopes      TEXT NOT NULL DEFAULT '',
    installer_id    TEXT NOT NULL DEFAULT '',
    installed_at    TEXT NOT NULL
) WITHOUT ROWID;

-- OAuth state values handed to installers' browsers: each valid until expires_at, consumed once.
CREATE TABLE slack_oauth_states (
    state           TEXT PRIMARY KEY,
    expires_at      TEXT NOT NULL
) WITHOUT ROWID;
