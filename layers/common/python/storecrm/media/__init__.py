"""A store's media library: uploads, SVG sanitising and the objects in S3. Uses kernel and stores."""
