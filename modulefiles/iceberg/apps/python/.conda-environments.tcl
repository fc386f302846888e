#%Module1.0
# Hidden: sourced by every member of this conflict set. Rendered by pyherd from sites/iceberg.yaml;
# adding a module to the set in the site file adds it here.
conflict "apps/python/anaconda2-2.3.0" "apps/python/anaconda2-2.4.0" "apps/python/anaconda3-2.3.0" "apps/python/anaconda3-2.4.0"
