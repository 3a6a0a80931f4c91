/// `option control_group 'NAME'`: the group whose members may use the
/// control socket besides root (#17 item 7). The name is checked here like
/// a user name; its gid comes from the lookup the loader is given (the
/// system's group database in sprigd and `sprig check-config`), so an
/// unknown group is an error of the file, with its line, before sprigd
/// binds anything.
/// Never: looks a name up itself (the Config module reads no files).
public struct ControlGroup: Equatable, Sendable {
    public let name: ConfigText
    /// The gid, as looked up when the file was loaded.
    public var id: UInt32

    public init(name: ConfigText, id: UInt32) {
        self.name = name
        self.id = id
    }
}

extension SchemaValidator {
    static func resolveControlGroup(_ config: inout SprigConfig, line: Int, groupID: (String) -> UInt32?,
                                    sink: inout DiagnosticSink) {
        guard let group = config.controlGroup else { return }
        if let id = groupID(group.name.string) {
            config.controlGroup?.id = id
            if id == 0 {
                sink.warning(line, "control_group '\(group.name.string)' is gid 0 (root's group): "
                    + "its members get the operator's commands")
            }
        } else {
            sink.error(line, "option 'control_group': no group named '\(group.name.string)' on this system "
                + "(create it, or remove the option: the control socket is then root's only)")
        }
    }
}
