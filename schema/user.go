package schema

// Roles of 掌上查 users.
const (
	RoleInspector = "inspector" // field inspector: records results on visits they are a team member of
	RoleLead      = "lead"      // team lead: assigns joint visits and settles conflicts for their department
	RoleOffice    = "office"    // joint-inspection office staff: imports plans, runs draws, watches targets
	RoleAdmin     = "admin"     // administrator: accounts; sees everything
)

// ValidRole reports whether r is one of the four roles.
func ValidRole(r string) bool {
	return r == RoleInspector || r == RoleLead || r == RoleOffice || r == RoleAdmin
}

// CityRegion is 庆阳市; a user there covers every county of the city.
const CityRegion = "621000"

// OfficeDept is the code of the 联席办, the joint office's own department.
const OfficeDept = "lxb"

// User is an account. Every user belongs to one department and one region,
// and every query a user makes is scoped by them.
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Dept     string `json:"dept"`
	Region   string `json:"region"`
	CertNo   string `json:"cert_no,omitempty"`
	Expert   bool   `json:"expert,omitempty"`
	OnDuty   bool   `json:"on_duty"`
}

// Channels a result can arrive through; recorded by the server from the
// client that sent it, never typed in (DESIGN §3).
const (
	ChannelMobile = "mobile" // the PWA on a phone
	ChannelWeb    = "web"    // office web entry of paper checks
	ChannelImport = "import" // bulk import
)

// Caller is who makes a request: the user and, for sync, the client.
type Caller struct {
	User     *User
	ClientID string
	Channel  string
}
