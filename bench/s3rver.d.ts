/** The few parts of @20minutes/s3rver (an S3 implementation that checks SigV4 signatures) the storage bench and tests use. */
declare module '@20minutes/s3rver' {
  interface S3rverOptions {
    port?: number
    address?: string
    silent?: boolean
    directory: string
    configureBuckets?: Array<{ name: string }>
  }
  export default class S3rver {
    constructor(options: S3rverOptions)
    run(): Promise<{ address: string; port: number }>
    close(): Promise<void>
  }
}
