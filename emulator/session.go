package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// billingTimeLayout is the PortaBilling date-time format, always in UTC.
const billingTimeLayout = "2006-01-02 15:04:05"

// badCredentialsMessage is the faultstring of a rejected login.
const badCredentialsMessage = "Login or password is incorrect; note that both are case sensitive"

// sessionStore keeps sessions and tokens in memory, so a restart of the
// emulator logs every client out and clients recover through the
// check_auth faults, as they must after a server-side session loss.
type sessionStore struct {
	mu         sync.Mutex
	now        func() time.Time
	ttl        time.Duration
	refreshTTL time.Duration
	users      map[string]user

	sessions map[string]*session
	access   map[string]grant
	refresh  map[string]grant

	policy      LoginPolicy
	loginTimes  []time.Time
	expireAfter int
}

// LoginPolicy is the login knob of the emulator. Blocked rejects every
// login with the brute-force fault. MaxPerMinute rejects logins beyond that
// many within one minute, and zero means no limit.
type LoginPolicy struct {
	Blocked      bool `json:"blocked"`
	MaxPerMinute int  `json:"max_per_minute"`
}

type session struct {
	id       string
	user     user
	lastUsed time.Time
}

// grant is an access or refresh token bound to a session.
type grant struct {
	sessionID string
	expires   time.Time
}

// loginResult is the body of Session.login and Session.refresh_access_token.
type loginResult struct {
	SessionID    string `json:"session_id"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresAt    string `json:"expires_at"`
	ExpiresIn    int64  `json:"expires_in"`
	MFAEnabled   int    `json:"mfa_enabled"`
}

// credentials are the auth parts of one request, in precedence order.
type credentials struct {
	bearer    string
	sessionID string
	login     string
	password  string
	token     string
}

func newSessionStore(cfg Config, users []user) *sessionStore {
	byLogin := make(map[string]user, len(users))
	for _, u := range users {
		byLogin[u.login] = u
	}
	return &sessionStore{
		now:         cfg.Now,
		ttl:         cfg.TokenTTL,
		refreshTTL:  cfg.RefreshTTL,
		users:       byLogin,
		sessions:    make(map[string]*session),
		access:      make(map[string]grant),
		refresh:     make(map[string]grant),
		policy:      LoginPolicy{Blocked: cfg.BlockLogins, MaxPerMinute: cfg.MaxLoginsPerMinute},
		expireAfter: cfg.ExpireSessionsAfterCalls,
	}
}

// login checks the credentials and opens a session.
func (s *sessionStore) login(login, password, token string) (loginResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	now := s.now()
	if err := s.admitLogin(now); err != nil {
		return loginResult{}, err
	}
	u, ok := s.checkCredentials(login, password, token)
	if !ok {
		return loginResult{}, faultf(FaultAuthFailed, badCredentialsMessage)
	}
	s.pruneExpired(now)

	sess := &session{id: randomHex(16), user: u, lastUsed: now}
	s.sessions[sess.id] = sess
	return s.issueTokens(sess, now), nil
}

// admitLogin applies the login policy; s.mu must be held.
func (s *sessionStore) admitLogin(now time.Time) error {
	brute := faultf(FaultLoginBruteForce,
		"Login is temporarily blocked because of too many login attempts")
	if s.policy.Blocked {
		return brute
	}
	if s.policy.MaxPerMinute <= 0 {
		return nil
	}

	cutoff := now.Add(-time.Minute)
	recent := s.loginTimes[:0]
	for _, t := range s.loginTimes {
		if t.After(cutoff) {
			recent = append(recent, t)
		}
	}
	s.loginTimes = recent
	if len(recent) >= s.policy.MaxPerMinute {
		return brute
	}
	s.loginTimes = append(s.loginTimes, now)
	return nil
}

func (s *sessionStore) checkCredentials(login, password, token string) (user, bool) {
	u, ok := s.users[login]
	switch {
	case !ok:
		return user{}, false
	case password != "" && password == u.password:
		return u, true
	case token != "" && u.token != "" && token == u.token:
		return u, true
	}
	return user{}, false
}

// issueTokens creates a new access and refresh token for sess; s.mu must be
// held.
func (s *sessionStore) issueTokens(sess *session, now time.Time) loginResult {
	exp := now.Add(s.ttl)
	access := newAccessToken(sess.user, now, exp)
	refresh := randomHex(32)
	s.access[access] = grant{sessionID: sess.id, expires: exp}
	s.refresh[refresh] = grant{sessionID: sess.id, expires: now.Add(s.refreshTTL)}

	return loginResult{
		SessionID:    sess.id,
		AccessToken:  access,
		RefreshToken: refresh,
		ExpiresAt:    exp.UTC().Format(billingTimeLayout),
		ExpiresIn:    int64(s.ttl / time.Second),
	}
}

// refreshAccess swaps a refresh token for new tokens. A refresh token is
// single-use; older access tokens stay valid until they expire.
func (s *sessionStore) refreshAccess(token string) (loginResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	now := s.now()
	failed := faultf(FaultRefreshFailed, "Refresh token is invalid or expired")
	g, ok := s.refresh[token]
	if !ok {
		return loginResult{}, failed
	}
	delete(s.refresh, token)
	sess, ok := s.sessions[g.sessionID]
	if !ok || !now.Before(g.expires) {
		return loginResult{}, failed
	}
	sess.lastUsed = now
	return s.issueTokens(sess, now), nil
}

// authenticate checks the credentials of an API call in PortaBilling's
// order: bearer token, then session id, then login with password or token.
func (s *sessionStore) authenticate(c credentials) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	now := s.now()
	expired := faultf(FaultSessionExpired, "Session is not valid or has expired; log in again")
	switch {
	case c.bearer != "":
		// Every token the emulator issued is a JWT, so only an unknown
		// one needs decoding to tell a malformed token from an expired one.
		if s.sessionOfToken(c.bearer, now) != nil {
			return nil
		}
		if !looksLikeJWT(c.bearer) {
			return faultf(FaultBadJWT, "Access token cannot be decoded as a JWT")
		}
		return expired
	case c.sessionID != "":
		sess, ok := s.sessions[c.sessionID]
		if !ok || !now.Before(sess.lastUsed.Add(s.ttl)) {
			return expired
		}
		sess.lastUsed = now
		return nil
	case c.login != "":
		if s.policy.Blocked {
			return faultf(FaultLoginBruteForce,
				"Login is temporarily blocked because of too many login attempts")
		}
		if _, ok := s.checkCredentials(c.login, c.password, c.token); !ok {
			return faultf(FaultAuthFailed, badCredentialsMessage)
		}
		return nil
	}
	return faultf(FaultEnvelopeMissed, "No authentication data in the request")
}

// sessionOfToken returns the live session of an access token, or nil;
// s.mu must be held.
func (s *sessionStore) sessionOfToken(token string, now time.Time) *session {
	g, ok := s.access[token]
	if !ok || !now.Before(g.expires) {
		return nil
	}
	sess, ok := s.sessions[g.sessionID]
	if !ok {
		return nil
	}
	sess.lastUsed = now
	return sess
}

// ping returns the user id of a live access token or session id, or 0.
func (s *sessionStore) ping(token, sessionID string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()

	now := s.now()
	if token != "" {
		if sess := s.sessionOfToken(token, now); sess != nil {
			return sess.user.id
		}
		return 0
	}
	sess, ok := s.sessions[sessionID]
	if !ok || !now.Before(sess.lastUsed.Add(s.ttl)) {
		return 0
	}
	return sess.user.id
}

// logout ends the session of an access token or session id; ending an
// unknown session is not an error.
func (s *sessionStore) logout(token, sessionID string) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if g, ok := s.access[token]; ok {
		sessionID = g.sessionID
	}
	s.dropSession(sessionID)
}

// dropSession removes a session and its tokens; s.mu must be held.
func (s *sessionStore) dropSession(id string) {
	delete(s.sessions, id)
	for t, g := range s.access {
		if g.sessionID == id {
			delete(s.access, t)
		}
	}
	for t, g := range s.refresh {
		if g.sessionID == id {
			delete(s.refresh, t)
		}
	}
}

// expireAll ends every session at once, as a server-side session loss does.
func (s *sessionStore) expireAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireAllLocked()
}

func (s *sessionStore) expireAllLocked() {
	clear(s.sessions)
	clear(s.access)
	clear(s.refresh)
	s.expireAfter = 0
}

// expireAfterCalls arms the knob that ends every session after the next n
// authenticated calls.
func (s *sessionStore) expireAfterCalls(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireAfter = n
}

// countCall counts one authenticated call for the expire-after-calls knob.
func (s *sessionStore) countCall() {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.expireAfter <= 0 {
		return
	}
	s.expireAfter--
	if s.expireAfter == 0 {
		s.expireAllLocked()
	}
}

func (s *sessionStore) setPolicy(p LoginPolicy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policy = p
	s.loginTimes = nil
}

// resetKnobs restores the configured login policy and expire-after-calls
// knob; sessions stay open.
func (s *sessionStore) resetKnobs(cfg Config) {
	s.setPolicy(LoginPolicy{Blocked: cfg.BlockLogins, MaxPerMinute: cfg.MaxLoginsPerMinute})
	s.expireAfterCalls(cfg.ExpireSessionsAfterCalls)
}

// pruneExpired drops dead sessions and tokens so a login storm cannot grow
// the maps without bound; s.mu must be held.
func (s *sessionStore) pruneExpired(now time.Time) {
	for id, sess := range s.sessions {
		if !now.Before(sess.lastUsed.Add(s.ttl)) && !s.hasLiveRefresh(id, now) {
			s.dropSession(id)
		}
	}
	for t, g := range s.access {
		if !now.Before(g.expires) {
			delete(s.access, t)
		}
	}
	for t, g := range s.refresh {
		if !now.Before(g.expires) {
			delete(s.refresh, t)
		}
	}
}

func (s *sessionStore) hasLiveRefresh(sessionID string, now time.Time) bool {
	for _, g := range s.refresh {
		if g.sessionID == sessionID && now.Before(g.expires) {
			return true
		}
	}
	return false
}

// newAccessToken builds a JWT-shaped token whose signature is random bytes.
// Clients are expected to decode only the payload, so a client that
// verifies the signature fails here.
func newAccessToken(u user, iat, exp time.Time) string {
	header := map[string]string{"alg": "RS256", "typ": "JWT"}
	payload := map[string]any{
		"exp":     exp.Unix(),
		"iat":     iat.Unix(),
		"login":   u.login,
		"realm":   "admin",
		"i_user":  u.id,
		"i_env":   1,
		"jti":     randomHex(16),
		"aud":     "admin",
		"scopes":  []string{},
		"version": 1,
	}
	sig := make([]byte, 64)
	_, _ = rand.Read(sig)
	return encodeSegment(header) + "." + encodeSegment(payload) + "." +
		base64.RawURLEncoding.EncodeToString(sig)
}

func encodeSegment(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// looksLikeJWT reports whether token has three base64url parts whose
// payload is a JSON object.
func looksLikeJWT(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if _, err := base64.RawURLEncoding.DecodeString(p); err != nil {
			return false
		}
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	return json.Unmarshal(payload, &claims) == nil && claims != nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
