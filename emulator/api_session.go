package emulator

// login implements Session.login with a password or an API token.
func (s *Server) login(c *call) (any, error) {
	login, _, _ := c.p.str("login")
	password, _, _ := c.p.str("password")
	token, _, _ := c.p.str("token")
	return s.sessions.login(login, password, token)
}

// refreshAccessToken implements Session.refresh_access_token.
func (s *Server) refreshAccessToken(c *call) (any, error) {
	token, _, _ := c.p.str("refresh_token")
	return s.sessions.refreshAccess(token)
}

// ping implements Session.ping: user_id is the user of a live token or
// session and 0 otherwise. The token may come in params or, failing that,
// in the request's own credentials.
func (s *Server) ping(c *call) (any, error) {
	token, sessionID := c.sessionKeys()
	return map[string]any{"user_id": s.sessions.ping(token, sessionID)}, nil
}

// logout implements Session.logout; it succeeds for unknown sessions too.
func (s *Server) logout(c *call) (any, error) {
	token, sessionID := c.sessionKeys()
	s.sessions.logout(token, sessionID)
	return success(), nil
}

// sessionKeys returns the access token or session id a session call is
// about: from params first, then from the bearer header or auth_info.
func (c *call) sessionKeys() (token, sessionID string) {
	token, _, _ = c.p.str("access_token")
	sessionID, _, _ = c.p.str("session_id")
	if token == "" && sessionID == "" {
		token, sessionID = c.req.creds.bearer, c.req.creds.sessionID
	}
	return token, sessionID
}

func success() map[string]any {
	return map[string]any{"success": 1}
}
