package http

// WireOffice registers the office routes on a test server unless routes()
// already does (once the lead has wired officeRoutes there).
func (s *Server) WireOffice() {
	for _, r := range s.e.Routes() {
		if r.Path == "/api/v1/metrics" {
			return
		}
	}
	api := s.e.Group("/api/v1")
	s.officeRoutes(api, api.Group("", s.authenticate))
}
