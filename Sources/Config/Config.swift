// Config: UCI parser → typed, validated configuration.
public enum ConfigModule {}
