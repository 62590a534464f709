#!/bin/sh
# compose's one-shot `minio-bucket` step (the minio/mc image), run at every
# `docker compose up` and safe to run again: creates the bucket, and the app
# user whose keys ingest and the workers use, allowed that bucket only. The
# root credentials stay with MinIO and this step.
#
# Incomplete multipart uploads (a merge killed mid-upload leaves its parts)
# are aborted by MinIO itself: MinIO refuses an AbortIncompleteMultipartUpload
# lifecycle rule and sweeps stale uploads server-wide instead, after
# MINIO_API_STALE_UPLOADS_EXPIRY (set on the minio service).
set -eu

missing=''
for name in MINIO_ROOT_USER MINIO_ROOT_PASSWORD S3_ACCESS_KEY_ID S3_SECRET_ACCESS_KEY S3_BUCKET; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || missing="$missing $name"
done
if [ -n "$missing" ]; then
  echo "minio-bucket: set$missing (in .env beside docker-compose.yml; see .env.example)" >&2
  exit 1
fi
if [ "$S3_ACCESS_KEY_ID" = "$MINIO_ROOT_USER" ]; then
  echo 'minio-bucket: S3_ACCESS_KEY_ID must differ from MINIO_ROOT_USER: the apps get a user of their own' >&2
  exit 1
fi

mc alias set rs http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
mc mb --ignore-existing "rs/$S3_BUCKET"

# What the cold store does: list, read, write (single and multipart), delete
# (flush renames, merges, compactions), abort its own failed uploads.
cat > /tmp/runstream-app-policy.json <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
      "Resource": ["arn:aws:s3:::$S3_BUCKET"]
    },
    {
      "Effect": "Allow",
      "Action": [
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts"
      ],
      "Resource": ["arn:aws:s3:::$S3_BUCKET/*"]
    }
  ]
}
EOF
mc admin policy create rs runstream-app /tmp/runstream-app-policy.json
# Adding an existing user sets its secret key again: changed keys in .env apply.
mc admin user add rs "$S3_ACCESS_KEY_ID" "$S3_SECRET_ACCESS_KEY"
mc admin policy attach rs runstream-app --user "$S3_ACCESS_KEY_ID"
echo "minio-bucket: bucket $S3_BUCKET and app user $S3_ACCESS_KEY_ID ready"
