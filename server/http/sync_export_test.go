package http

// WireSync registers the sync routes on a test server unless routes()
// already does (once the lead has wired syncRoutes there).
func (s *Server) WireSync() {
	for _, r := range s.e.Routes() {
		if r.Path == "/api/v1/sync/push" {
			return
		}
	}
	api := s.e.Group("/api/v1")
	s.syncRoutes(api.Group("", s.authenticate))
}
