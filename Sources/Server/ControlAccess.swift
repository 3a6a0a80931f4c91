// ControlAccess: who may use the control socket (#17 item 7: root, or the
// configured `control_group`). The socket's own mode lets only them
// connect (0600 root, or 0660 root:group, Control.swift); this is the
// second lock, judged on the peer's credentials as of its connect
// (SO_PEERCRED, SO_PEERGROUPS), so a socket widened by hand does not let
// anyone else in. Every command follows the same rule: `stats` and
// `dump-cache` show which names the household looks up, which is no
// less private than `flush` is powerful.
// Never: reads the socket or looks a name up (the group's gid is resolved
// once at start, before privileges drop and before any chroot).

/// The rule, fixed at start.
struct ControlAccess {
    /// The uid the socket was opened as (root, before privileges drop;
    /// the running user when sprigd was not started as root).
    let ownerUid: UInt32
    /// `control_group`: its name (for the refusal line) and gid.
    let groupName: String?
    let groupID: UInt32?

    init(ownerUid: UInt32, groupName: String? = nil, groupID: UInt32? = nil) {
        self.ownerUid = ownerUid
        self.groupName = groupName
        self.groupID = groupID
    }

    /// Whether a peer with these credentials may send commands.
    /// `inSupplementaryGroup` is asked only when the uid and primary gid
    /// did not already decide (it costs a getsockopt); it says whether the
    /// peer's supplementary groups include the configured group.
    func allows(uid: UInt32, gid: UInt32, inSupplementaryGroup: (UInt32) -> Bool) -> Bool {
        if uid == 0 || uid == ownerUid { return true }
        guard let groupID else { return false }
        return gid == groupID || inSupplementaryGroup(groupID)
    }

    /// The line a refused peer reads.
    func refusal(_ word: String) -> String {
        guard let groupName else {
            return "error: " + word + " needs root (the control socket's owner)\n"
        }
        return "error: " + word + " needs root or a member of group '" + groupName + "' (control_group)\n"
    }
}
