/// WheelhouseAWS: SigV4 signing, the AWS credential chain, and the S3 and SSM clients.
/// Knows nothing about Python packaging.
public enum WheelhouseAWS {}
